"""Issue 13, hole 3 across processes: a member removed through the API of one real ASGI server
(daphne, process A) loses the socket held by another (process B) within a second; the
instruction travels over the Redis channel layer (tenants.live). Fails on the previous code
(the socket stayed open and kept receiving)."""

import asyncio
import json
import time

import httpx
import pytest
import websockets

from tenants.tokens import api_token_issue
from tests.incidents.test_two_servers import receive

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_member_removed_on_one_process_loses_the_socket_on_another(
    two_servers,
    agency,
) -> None:
    first, second = two_servers
    viewer, owner = agency.member("viewer"), agency.member("owner")
    owner_api = httpx.Client(
        base_url=f"http://127.0.0.1:{first}/api/v1/orgs/alpha",
        headers={"Authorization": f"Token {api_token_issue(user=owner.user)[1]}"},
        timeout=10,
    )
    viewer_api = httpx.Client(
        base_url=f"http://127.0.0.1:{second}/api/v1",
        headers={"Authorization": f"Token {api_token_issue(user=viewer.user)[1]}"},
        timeout=10,
    )
    created = owner_api.post(
        "/incidents/",
        json={
            "brand": agency.brand.id,
            "title": "Live",
            "severity": "sev2",
            "teams": [agency.team.id],
        },
    )
    assert created.status_code == 201, created.text
    incident_id = created.json()["id"]

    async def scenario() -> float:
        ticket = viewer_api.post("/ws-ticket/").json()["ticket"]
        url = f"ws://127.0.0.1:{second}/ws/v1/orgs/alpha/?ticket={ticket}"
        async with websockets.connect(url, origin=f"http://127.0.0.1:{second}") as ws:
            assert (await receive(ws))["type"] == "hello"
            note = await asyncio.to_thread(
                owner_api.post, f"/incidents/{incident_id}/notes/", json={"text": "before"}
            )
            assert note.status_code == 201
            assert (await receive(ws, "note"))["event"]["payload"]["text"] == "before"

            started = time.monotonic()
            removed = await asyncio.to_thread(owner_api.delete, f"/members/{viewer.id}/")
            assert removed.status_code == 204, removed.text
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:  # anything still in flight, then the close
                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=2))
                    assert message.get("event", {}).get("payload", {}).get("text") != "after"
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
            return time.monotonic() - started

    elapsed = asyncio.run(scenario())
    assert elapsed < 1.0, elapsed
