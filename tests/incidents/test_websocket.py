"""The live feed: who may connect, who receives what, and replay after a reconnect."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from crisisdesk.asgi import application
from incidents import services
from incidents.events import NOTE
from tenants.models import WebSocketTicket
from tenants.services import ws_ticket_issue
from tests.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"http://testserver")


async def connect(
    path: str = "/ws/v1/orgs/alpha/", *, user=None, ticket: str | None = None, origin=ORIGIN
):
    headers = [origin] if origin else []
    if user is not None:
        client = Client()
        await sync_to_async(client.force_login)(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    if ticket is not None:
        path = f"{path}?ticket={ticket}"
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    if connected:
        hello = await communicator.receive_json_from(timeout=5)
        assert hello["type"] == "hello"
    return connected, communicator


async def events_of(communicator, count: int) -> list[dict]:
    return [await communicator.receive_json_from(timeout=5) for _ in range(count)]


async def test_refused_without_credentials(agency) -> None:
    connected, _ = await connect()
    assert not connected


async def test_refused_with_a_used_or_expired_ticket(agency) -> None:
    user = agency.member("responder").user
    ticket = await sync_to_async(ws_ticket_issue)(by=user)
    connected, communicator = await connect(ticket=ticket)
    assert connected
    await communicator.disconnect()
    connected, _ = await connect(ticket=ticket)  # used
    assert not connected
    expired = await sync_to_async(ws_ticket_issue)(by=user)
    await sync_to_async(WebSocketTicket.objects.filter(used_at__isnull=True).update)(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    connected, _ = await connect(ticket=expired)
    assert not connected


async def test_refused_for_a_non_member_and_a_foreign_origin(agency, outsider) -> None:
    connected, _ = await connect(user=outsider.member("owner").user)
    assert not connected
    connected, _ = await connect(
        user=agency.member("owner").user, origin=(b"origin", b"https://evil.example")
    )
    assert not connected
    stranger = await sync_to_async(UserFactory)()
    connected, _ = await connect("/ws/v1/orgs/no-such-org/", user=stranger)
    assert not connected


async def test_team_scoped_delivery(agency) -> None:
    other_team = await sync_to_async(TeamFactory)(organisation=agency.org, name="other")
    outsider_of_team = agency.member("responder")  # in alpha care
    await sync_to_async(other_team.members.add)(agency.member("viewer"))
    await sync_to_async(agency.team.members.remove)(agency.member("viewer"))

    _, responder = await connect(user=outsider_of_team.user)
    _, viewer = await connect(user=agency.member("viewer").user)
    _, manager = await connect(
        ticket=await sync_to_async(ws_ticket_issue)(by=agency.member("manager").user)
    )

    incident = await sync_to_async(services.incident_create)(
        brand=agency.brand,
        title="Утечка данных",
        severity="sev1",
        by=agency.member("manager"),
        teams=[agency.team],
    )
    for communicator in (responder, manager):
        message = await communicator.receive_json_from(timeout=5)
        assert message["type"] == "incident.event"
        assert message["incident"] == incident.id
        assert message["event"]["kind"] == "created"
        assert set(message["event"]) == {
            "id",
            "kind",
            "actor",
            "payload",
            "visibility",
            "created_at",
        }
        assert message["event"]["actor"] == "alpha-manager"
    assert await viewer.receive_nothing(timeout=0.3)

    # Re-assigned to the viewer's team: the newly assigned receive the change, and so does
    # the team that lost it (its last event of the incident).
    await sync_to_async(services.incident_assign)(
        incident=incident, by=agency.member("manager"), teams=[other_team]
    )
    for communicator in (viewer, responder, manager):
        message = await communicator.receive_json_from(timeout=5)
        assert message["event"]["kind"] == "assigned"
        assert message["event"]["payload"]["teams"] == [other_team.id]
    await sync_to_async(services.event_record)(  # a note the system writes (no member)
        incident=incident, kind=NOTE, actor=None, payload={"text": "only the new team"}
    )
    assert (await viewer.receive_json_from(timeout=5))["event"]["kind"] == "note"
    assert await responder.receive_nothing(timeout=0.3)
    for communicator in (responder, viewer, manager):
        await communicator.disconnect()


async def test_brand_limited_member_receives_only_their_brands(agency) -> None:
    responder = agency.member("responder")
    await sync_to_async(responder.brands.set)([agency.other_brand])
    _, communicator = await connect(user=responder.user)
    await sync_to_async(services.incident_create)(
        brand=agency.brand, title="other brand", severity="sev2", by=None, teams=[agency.team]
    )
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_replay_after_reconnect_delivers_every_missed_event_in_order(agency) -> None:
    user = agency.member("responder").user
    incident = await sync_to_async(services.incident_create)(
        brand=agency.brand, title="x", severity="sev2", by=None, teams=[agency.team]
    )
    hidden = await sync_to_async(services.incident_create)(
        brand=agency.brand, title="not ours", severity="sev2", by=None, teams=[]
    )
    _, communicator = await connect(user=user)
    assert await communicator.receive_nothing(timeout=0.2)  # connected after both were created
    last_seen = await sync_to_async(lambda: incident.events.latest("id").id)()
    await communicator.disconnect()

    await sync_to_async(services.incident_add_note)(
        incident=incident, by=agency.member("responder"), text="one"
    )
    await sync_to_async(services.incident_add_note)(
        incident=hidden, by=agency.member("responder"), text="hidden"
    )
    await sync_to_async(services.incident_acknowledge)(
        incident=incident, by=agency.member("responder")
    )

    _, communicator = await connect(user=user)
    await communicator.send_json_to({"action": "replay", "since": last_seen})
    replayed = await events_of(communicator, 3)
    assert [m["event"]["kind"] for m in replayed[:2]] == ["note", "acknowledged"]
    assert replayed[0]["event"]["payload"] == {"text": "one"}
    assert replayed[0]["event"]["id"] < replayed[1]["event"]["id"]
    assert replayed[2] == {"type": "replay.done", "since": last_seen}
    await communicator.send_json_to({"action": "replay", "since": "yesterday"})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "error"
    await communicator.disconnect()
