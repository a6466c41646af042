"""End to end across processes: two real ASGI servers (daphne) share PostgreSQL and the Redis
channel layer. A change made through the HTTP API of the first reaches a WebSocket client of
the second; after a disconnect, a replay delivers what was missed, in order."""

import asyncio
import json
import time

import httpx
import pytest
import websockets

from tenants.tokens import api_token_issue

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


async def receive(ws, kind: str | None = None) -> dict:
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    if kind is not None:
        assert message.get("event", {}).get("kind") == kind, message
    return message


def test_an_event_crosses_processes_and_replay_fills_the_gap(two_servers, agency) -> None:
    """`two_servers` (tests/servers.py): two daphne processes on the test database and the
    machine's Redis channel layer."""
    first, second = two_servers
    responder = agency.member("responder")
    token = api_token_issue(user=responder.user)[1]
    headers = {"Authorization": f"Token {token}"}
    api_one = httpx.Client(
        base_url=f"http://127.0.0.1:{first}/api/v1/orgs/alpha", headers=headers, timeout=10
    )
    api_two = httpx.Client(
        base_url=f"http://127.0.0.1:{second}/api/v1", headers=headers, timeout=10
    )

    created = api_one.post(
        "/incidents/",
        json={
            "brand": agency.brand.id,
            "title": "Cross-process",
            "severity": "sev2",
            "teams": [agency.team.id],
        },
    )
    assert created.status_code == 201, created.text
    incident_id = created.json()["id"]

    async def scenario() -> None:
        ticket = api_two.post("/ws-ticket/").json()["ticket"]
        url = f"ws://127.0.0.1:{second}/ws/v1/orgs/alpha/?ticket={ticket}"
        origin = f"http://127.0.0.1:{second}"
        async with websockets.connect(url, origin=origin) as ws:
            assert (await receive(ws))["type"] == "hello"
            started = time.monotonic()
            response = await asyncio.to_thread(
                api_one.post, f"/incidents/{incident_id}/acknowledge/"
            )
            assert response.status_code == 200, response.text
            message = await receive(ws, "acknowledged")
            assert message["incident"] == incident_id
            assert time.monotonic() - started < 1.0
            last_seen = message["event"]["id"]

        # Disconnected: two more changes happen meanwhile.
        for text in ("first while away", "second while away"):
            response = await asyncio.to_thread(
                api_one.post, f"/incidents/{incident_id}/notes/", json={"text": text}
            )
            assert response.status_code == 201

        ticket = api_two.post("/ws-ticket/").json()["ticket"]
        async with websockets.connect(
            f"ws://127.0.0.1:{second}/ws/v1/orgs/alpha/?ticket={ticket}", origin=origin
        ) as ws:
            assert (await receive(ws))["type"] == "hello"
            await ws.send(json.dumps({"action": "replay", "since": last_seen}))
            missed = [await receive(ws, "note"), await receive(ws, "note")]
            assert [m["event"]["payload"]["text"] for m in missed] == [
                "first while away",
                "second while away",
            ]
            assert (await receive(ws))["type"] == "replay.done"

    asyncio.run(scenario())
