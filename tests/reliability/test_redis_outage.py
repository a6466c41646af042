"""Redis stops in the middle of a run: API writes still succeed and their events are stored;
when Redis returns, live delivery resumes and a replay delivers every event missed.

Runs its own redis-server on a free port (never the machine's shared one) and a real
daphne process against the test database."""

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
import websockets

from incidents.models import IncidentEvent
from tenants.tokens import api_token_issue
from tests.servers import PrivateRedis, asgi_servers, child_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_and_server(transactional_db: None) -> Iterator[tuple[PrivateRedis, int]]:
    """A private redis-server (channel layer, cache and broker) and one daphne process."""
    redis = PrivateRedis()
    redis.start()
    try:
        with asgi_servers(1, child_env(REDIS_URL=redis.url)) as (port,):
            yield redis, port
    finally:
        redis.remove()


async def reconnect(api: httpx.Client, port: int, origin: str, attempts: int = 10):
    """What a client does after a drop: reconnect with backoff, a new ticket each time."""
    for attempt in range(attempts):
        ticket = api.post("/ws-ticket/").json()["ticket"]
        try:
            return await websockets.connect(
                f"ws://127.0.0.1:{port}/ws/v1/orgs/alpha/?ticket={ticket}", origin=origin
            )
        except websockets.exceptions.InvalidStatus:
            await asyncio.sleep(0.2 * (attempt + 1))
    raise AssertionError("could not reconnect after Redis came back")


async def next_message(ws, timeout: float = 5) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=timeout))


def test_writes_survive_a_redis_outage_and_replay_fills_the_gap(redis_and_server, agency) -> None:
    redis, port = redis_and_server
    user = agency.member("responder").user
    token = api_token_issue(user=user)[1]
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        headers={"Authorization": f"Token {token}"},
        timeout=15,
    )
    created = api.post(
        "/orgs/alpha/incidents/",
        json={
            "brand": agency.brand.id,
            "title": "Outage drill",
            "severity": "sev2",
            "teams": [agency.team.id],
        },
    )
    assert created.status_code == 201, created.text
    incident = created.json()["id"]
    origin = f"http://127.0.0.1:{port}"

    async def scenario() -> None:
        ticket = api.post("/ws-ticket/").json()["ticket"]
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/v1/orgs/alpha/?ticket={ticket}", origin=origin
        ) as ws:
            assert (await next_message(ws))["type"] == "hello"
            note = await asyncio.to_thread(
                api.post, f"/orgs/alpha/incidents/{incident}/notes/", json={"text": "before"}
            )
            assert note.status_code == 201
            last_seen = (await next_message(ws))["event"]["id"]

        redis.stop()
        statuses = []
        for n in range(3):
            response = await asyncio.to_thread(
                api.post, f"/orgs/alpha/incidents/{incident}/notes/", json={"text": f"during {n}"}
            )
            statuses.append(response.status_code)
        assert statuses == [201, 201, 201]  # no 5xx while Redis is down
        stored = await asyncio.to_thread(
            lambda: list(
                IncidentEvent.objects.filter(incident_id=incident, kind="note").values_list(
                    "payload__text", flat=True
                )
            )
        )
        assert stored == ["before", "during 0", "during 1", "during 2"]

        redis.start()
        ws = await reconnect(api, port, origin)
        async with ws:
            assert (await next_message(ws))["type"] == "hello"
            await ws.send(json.dumps({"action": "replay", "since": last_seen}))
            missed = []
            while True:
                message = await next_message(ws)
                if message["type"] == "replay.done":
                    break
                missed.append(message["event"]["payload"]["text"])
            assert missed == ["during 0", "during 1", "during 2"]  # every one, in order
            # Live delivery has resumed.
            response = await asyncio.to_thread(
                api.post, f"/orgs/alpha/incidents/{incident}/notes/", json={"text": "after"}
            )
            assert response.status_code == 201
            live = await next_message(ws)
            assert live["event"]["payload"]["text"] == "after"

    asyncio.run(scenario())
