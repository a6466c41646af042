"""End to end across processes: two real ASGI servers (daphne) share PostgreSQL and the Redis
channel layer. A change made through the HTTP API of the first reaches a WebSocket client of
the second; after a disconnect, a replay delivers what was missed, in order."""

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from django.conf import settings
from django.db import connection

from tenants.tokens import api_token_issue
from tests.servers import free_port, wait_for_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_servers(transactional_db: None) -> Iterator[tuple[int, int]]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CHANNEL_LAYER_PREFIX": f"e2e-{uuid.uuid4().hex[:8]}",
        "DEBUG": "0",
        "SECRET_KEY": "e2e-test-secret-key-not-for-production-0123456789",
    }
    ports = (free_port(), free_port())
    processes = [
        subprocess.Popen(
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
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for_port(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)


async def receive(ws, kind: str | None = None) -> dict:
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    if kind is not None:
        assert message.get("event", {}).get("kind") == kind, message
    return message


def test_an_event_crosses_processes_and_replay_fills_the_gap(two_servers, agency) -> None:
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
