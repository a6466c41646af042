"""Issue 13, hole 1 over the socket: the live push and the replay apply the one visibility
rule (incidents.models.visibilities_for) per socket. Client staff receive the client events
of their brands' incidents, with people named by display name; never an internal note.

Fails on the previous code (the consumer pushed every event of the groups it joined)."""

import pytest
from asgiref.sync import sync_to_async

from incidents import services
from incidents.models import Visibility
from tenants.models import MemberKind, Role
from tests.factories import MembershipFactory
from tests.incidents.test_websocket import connect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

SECRET = "internal: legal says do not apologise"


def _client_member(agency, role=Role.VIEWER):
    membership = MembershipFactory(
        organisation=agency.org, role=role, kind=MemberKind.CLIENT, user__username=f"client-{role}"
    )
    membership.brands.set([agency.brand])
    agency.team.members.add(membership)
    return membership


async def test_the_push_gives_client_staff_client_events_only(agency) -> None:
    client_viewer = await sync_to_async(_client_member)(agency)
    client_manager = await sync_to_async(_client_member)(agency, Role.MANAGER)
    _, viewer = await connect(user=client_viewer.user)
    _, manager = await connect(user=client_manager.user)  # joins the organisation's group
    _, agency_viewer = await connect(user=agency.member("viewer").user)
    responder = agency.member("responder")

    incident = await sync_to_async(services.incident_create)(
        brand=agency.brand, title="Outage", severity="sev2", by=responder, teams=[agency.team]
    )
    await sync_to_async(services.incident_add_note)(incident=incident, by=responder, text=SECRET)
    await sync_to_async(services.incident_add_note)(
        incident=incident, by=responder, text="for the client", visibility=Visibility.CLIENT
    )

    for socket in (viewer, manager):
        created = await socket.receive_json_from(timeout=5)
        note = await socket.receive_json_from(timeout=5)
        assert created["event"]["kind"] == "created"
        assert created["event"]["visibility"] == "client"
        assert created["event"]["actor"] != "alpha-responder"
        assert note["event"]["payload"] == {"text": "for the client"}
        assert await socket.receive_nothing(timeout=0.3)
    kinds = [(await agency_viewer.receive_json_from(timeout=5))["event"] for _ in range(3)]
    assert [(e["kind"], e["visibility"]) for e in kinds] == [
        ("created", "client"),
        ("note", "internal"),
        ("note", "client"),
    ]
    for socket in (viewer, manager, agency_viewer):
        await socket.disconnect()


async def test_the_replay_gives_client_staff_client_events_only(agency) -> None:
    client_viewer = await sync_to_async(_client_member)(agency)
    responder = agency.member("responder")
    incident = await sync_to_async(services.incident_create)(
        brand=agency.brand, title="Outage", severity="sev2", by=responder, teams=[agency.team]
    )
    await sync_to_async(services.incident_add_note)(incident=incident, by=responder, text=SECRET)
    other = await sync_to_async(services.incident_create)(
        brand=agency.other_brand,
        title="Not theirs",
        severity="sev2",
        by=None,
        teams=[agency.team],
    )

    _, socket = await connect(user=client_viewer.user)
    await socket.send_json_to({"action": "replay", "since": 0})
    messages = []
    while True:
        message = await socket.receive_json_from(timeout=5)
        if message["type"] == "replay.done":
            break
        messages.append(message)

    assert [(m["incident"], m["event"]["kind"]) for m in messages] == [(incident.id, "created")]
    assert other.id not in {m["incident"] for m in messages}
    assert SECRET not in str(messages)
    assert "alpha-responder" not in str(messages)
    await socket.disconnect()
