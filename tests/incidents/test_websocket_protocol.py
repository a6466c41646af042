"""The documented WebSocket protocol (docs/websocket.md, also the API schema's description) is
the one the consumer speaks: the client actions it accepts, the message types it sends, its
close codes and the event kinds."""

import json
import re
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from crisisdesk.asgi import application
from incidents.events import event_kinds
from tests.incidents.test_websocket import ORIGIN, connect

DOC = Path(settings.BASE_DIR) / "docs" / "websocket.md"
SOURCES = [Path(settings.BASE_DIR) / "incidents" / name for name in ("consumers.py", "realtime.py")]


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(title)
    following = re.search(r"\n#{2,4} ", text[start + len(title) :])
    return text[start : start + len(title) + (following.start() if following else len(text))]


def _first_column(title: str) -> set[str]:
    """The backticked names in the first column of the section's table."""
    names = set()
    for line in _section(title).splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            names |= set(re.findall(r"`([^`]+)`", line.split(" | ")[0]))
    return names


def _source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)


def test_documented_server_messages_are_the_ones_the_consumer_sends() -> None:
    sent = set(re.findall(r'"type": "([a-z_.]+)"', _source()))
    assert _first_column("### Messages from the server") == sent
    assert {"hello", "incident.event", "replay.done", "scope.changed", "error"} == sent


def test_documented_close_codes_are_the_consumer_s() -> None:
    codes = {int(c) for c in re.findall(r"close\(code=(\d+)\)", _source())}
    documented = {int(c) for c in _first_column("### Close codes")}
    assert documented == codes == {4401, 4403, 4404, 1011}


def test_every_event_kind_is_documented() -> None:
    assert _first_column("#### Event kinds") == {kind.name for kind in event_kinds()}


def test_the_schema_description_carries_the_protocol(client) -> None:
    description = json.loads(client.get("/api/schema/?format=json").content)["info"]["description"]
    assert DOC.read_text(encoding="utf-8").strip() in description
    assert "/ws/v1/orgs/<org_slug>/" in description


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_consumer_accepts_the_documented_actions_and_no_other(agency) -> None:
    actions = _first_column("### Messages from the client")
    assert actions == {"replay"}
    connected, communicator = await connect(user=agency.member("owner").user)
    assert connected
    # Each documented action is answered without an error.
    await communicator.send_json_to({"action": "replay", "since": 0})
    while (message := await communicator.receive_json_from(timeout=5))["type"] != "replay.done":
        assert message["type"] == "incident.event"
    assert message == {"type": "replay.done", "since": 0}
    # Anything else is an error message, and the socket stays open.
    for undocumented in ({"action": "subscribe", "incident": 1}, {"type": "ping"}, [1]):
        await communicator.send_json_to(undocumented)
        answer = await communicator.receive_json_from(timeout=5)
        assert answer["type"] == "error"
        assert "replay" in answer["detail"]
    await communicator.send_json_to({"action": "replay", "since": -1})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "error"
    await communicator.send_json_to({"action": "replay", "since": 0})
    while (await communicator.receive_json_from(timeout=5))["type"] != "replay.done":
        pass
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_refusals_close_with_the_documented_codes(agency, outsider) -> None:
    async def close_code(path: str, user=None) -> int:
        headers = [ORIGIN]
        if user is not None:
            client = Client()
            await sync_to_async(client.force_login)(user)
            headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
        connected, code = await WebsocketCommunicator(application, path, headers=headers).connect(
            timeout=5
        )
        assert not connected
        return code

    assert await close_code("/ws/v1/orgs/alpha/") == 4401
    assert await close_code("/ws/v1/orgs/alpha/?ticket=forged") == 4401
    assert await close_code("/ws/v1/orgs/alpha/", outsider.member("owner").user) == 4404
