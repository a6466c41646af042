"""Redis stops in the middle of a run: API writes still succeed and their events are stored;
when Redis returns, live delivery resumes and a replay delivers every event missed.

Runs its own redis-server on a free port (never the machine's shared one) and a real
daphne process against the test database."""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from django.db import connection

from incidents.models import IncidentEvent
from tenants.tokens import api_token_issue
from tests.servers import free_port, wait_for_port

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def redis_and_server(transactional_db: None) -> Iterator[tuple[PrivateRedis, int]]:
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is needed for the outage test")
    redis = PrivateRedis()
    redis.start()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "CHANNEL_LAYER_PREFIX": f"outage-{uuid.uuid4().hex[:8]}",
        "DEBUG": "0",
        "SECRET_KEY": "outage-test-secret-key-not-for-production-0123456789",
    }
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "crisisdesk.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, server)
        yield redis, port
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode(errors="replace")
        print(output[-4000:])  # shown when the test fails
        redis.stop()


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
