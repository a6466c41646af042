"""The client portal is live over the one WebSocket consumer (issue 20): client staff follow
every incident of their brands, whatever team works on it, and receive only its client
events; another brand's incidents and internal events never reach them, live or on replay."""

import pytest
from asgiref.sync import sync_to_async

from incidents import services
from incidents.events import NOTE
from incidents.models import Incident, IncidentEvent, Visibility
from tenants.models import MemberKind, Role
from tests.factories import IncidentFactory, MembershipFactory
from tests.incidents.test_websocket import connect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _world(agency, *, brands: bool = True):
    member = MembershipFactory(
        organisation=agency.org, role=Role.VIEWER, kind=MemberKind.CLIENT, user__username="cl"
    )
    if brands:
        member.brands.set([agency.brand])
    ours = IncidentFactory(brand=agency.brand)
    theirs = IncidentFactory(brand=agency.other_brand)
    return member, ours, theirs


def _note(incident: Incident, text: str, visibility: str) -> None:
    # A note the system writes (no member): the same event incident_add_note records.
    services.event_record(
        incident=incident, kind=NOTE, actor=None, payload={"text": text}, visibility=visibility
    )


async def test_client_staff_in_no_team_follow_their_brands_client_events(agency) -> None:
    member, ours, theirs = await sync_to_async(_world)(agency)
    _, socket = await connect("/ws/v1/orgs/alpha/", user=member.user)

    await sync_to_async(_note)(theirs, "other brand, for its client", Visibility.CLIENT)
    await sync_to_async(_note)(ours, "internal remark", Visibility.INTERNAL)
    await sync_to_async(_note)(ours, "for our client", Visibility.CLIENT)

    pushed = await socket.receive_json_from(timeout=5)
    assert pushed["incident"] == ours.pk
    assert pushed["event"]["payload"] == {"text": "for our client"}
    assert await socket.receive_nothing(timeout=0.5)

    await socket.send_json_to({"action": "replay", "since": 0})
    replayed = []
    while (message := await socket.receive_json_from(timeout=5))["type"] != "replay.done":
        replayed.append(message)
    client_events = await sync_to_async(
        lambda: list(
            IncidentEvent.objects.filter(incident=ours, visibility=Visibility.CLIENT)
            .order_by("id")
            .values_list("id", flat=True)
        )
    )()
    assert [m["event"]["id"] for m in replayed] == client_events
    await socket.disconnect()


async def test_a_client_member_without_a_brand_limit_follows_nothing(agency) -> None:
    member, ours, _ = await sync_to_async(_world)(agency, brands=False)
    _, socket = await connect("/ws/v1/orgs/alpha/", user=member.user)

    await sync_to_async(_note)(ours, "for a client", Visibility.CLIENT)

    assert await socket.receive_nothing(timeout=0.8)
    assert not await sync_to_async(
        lambda: list(Incident.objects.pushed_to(member).values_list("id", flat=True))
    )()
    await socket.disconnect()


async def test_another_agencys_client_staff_receive_nothing(agency, outsider) -> None:
    _, ours, _ = await sync_to_async(_world)(agency)
    stranger = await sync_to_async(
        lambda: MembershipFactory(
            organisation=outsider.org, role=Role.VIEWER, kind=MemberKind.CLIENT
        )
    )()
    await sync_to_async(lambda: stranger.brands.set([outsider.brand]))()
    _, socket = await connect("/ws/v1/orgs/omega/", user=stranger.user)
    refused, _ = await connect("/ws/v1/orgs/alpha/", user=stranger.user)

    await sync_to_async(_note)(ours, "for alpha's client", Visibility.CLIENT)

    assert not refused
    assert await socket.receive_nothing(timeout=0.8)
    await socket.disconnect()
