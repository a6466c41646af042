"""Issue 13: what client staff can reach over the socket, by construction: the replay of the
whole demo timeline and the live push carry no internal event, note or email (the markers of
test_client_walk.py)."""

import json

import pytest
from asgiref.sync import sync_to_async

from incidents import services
from incidents.events import NOTE
from incidents.models import Incident, Visibility
from tests.incidents.test_websocket import connect
from tests.security.test_client_walk import SECRET, _assert_clean, _build

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_client_staff_receive_nothing_internal_over_the_socket() -> None:
    world = await sync_to_async(_build)()
    # Replay of the whole demo timeline.
    _, socket = await connect(f"/ws/v1/orgs/{world.slug}/", user=world.client_member.user)
    await socket.send_json_to({"action": "replay", "since": 0})
    replayed = []
    while True:
        message = await socket.receive_json_from(timeout=10)
        if message["type"] == "replay.done":
            break
        replayed.append(message)
    assert replayed, "the demo has client events of the client's brand"
    assert {m["event"]["visibility"] for m in replayed} == {"client"}
    _assert_clean(json.dumps(replayed, ensure_ascii=False), world, "replay")

    # The push: an internal note, then a client one, on an incident of their brand.
    incident = await sync_to_async(
        lambda: Incident.objects.filter(brand=world.own_brand).order_by("id").first()
    )()
    for visibility in (Visibility.INTERNAL, Visibility.CLIENT):
        await sync_to_async(services.event_record)(  # a note the system writes (no member)
            incident=incident,
            kind=NOTE,
            actor=None,
            payload={"text": SECRET if visibility == Visibility.INTERNAL else "for the client"},
            visibility=visibility,
        )
    pushed = await socket.receive_json_from(timeout=5)
    assert pushed["event"]["payload"] == {"text": "for the client"}
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
