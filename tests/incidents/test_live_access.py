"""Issue 13, hole 3: a removed member kept the live feed (the consumer checked membership only
in connect()). Now every change of a person's access — removal, role, brand limit, member
kind, teams — tells each of their open sockets (the per-user group `user.<id>`, over the
channel layer) to re-resolve its scope: it closes with 4403 or re-joins its groups. A member
of several assigned teams gets each event once per socket.

The removal, team and duplicate tests fail on the previous code. The two-process version
(a real daphne server holding the socket) is in test_live_access_two_servers.py."""

import time

import pytest
from asgiref.sync import sync_to_async

from incidents import services
from incidents.events import NOTE
from tenants import services as tenant_services
from tenants.models import MemberKind, Role
from tests.factories import TeamFactory
from tests.incidents.test_websocket import connect

# In-process waits: generous for a loaded CI machine. The 1 s bound across processes is
# asserted in test_live_access_two_servers.py.
LIVE = 3

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def _incident(agency, teams):
    return await sync_to_async(services.incident_create)(
        brand=agency.brand, title="Live", severity="sev2", by=None, teams=teams
    )


async def _note(incident, text):
    await sync_to_async(services.event_record)(
        incident=incident, kind=NOTE, actor=None, payload={"text": text}
    )


async def test_a_removed_member_is_disconnected_at_once(agency) -> None:
    viewer = agency.member("viewer")
    incident = await _incident(agency, [agency.team])
    _, socket = await connect(user=viewer.user)
    await _note(incident, "before")
    assert (await socket.receive_json_from(timeout=5))["event"]["payload"]["text"] == "before"

    started = time.monotonic()
    await sync_to_async(tenant_services.membership_remove)(
        membership=viewer, by=agency.member("owner")
    )
    closed = await socket.receive_output(timeout=LIVE)
    assert closed == {"type": "websocket.close", "code": 4403}
    assert time.monotonic() - started < 1.0
    await _note(incident, "after removal")
    assert await socket.receive_nothing(timeout=0.3)


async def test_leaving_a_team_stops_its_feed_and_joining_starts_it(agency) -> None:
    viewer = agency.member("viewer")
    other = await sync_to_async(TeamFactory)(organisation=agency.org, name="night shift")
    ours = await _incident(agency, [agency.team])
    theirs = await _incident(agency, [other])
    _, socket = await connect(user=viewer.user)

    await sync_to_async(tenant_services.team_member_remove)(team=agency.team, membership=viewer)
    await sync_to_async(tenant_services.team_member_add)(team=other, membership=viewer)
    assert (await socket.receive_json_from(timeout=LIVE))["type"] == "scope.changed"
    assert (await socket.receive_json_from(timeout=LIVE))["type"] == "scope.changed"
    await _note(ours, "old team")
    await _note(theirs, "new team")

    message = await socket.receive_json_from(timeout=LIVE)
    assert message["incident"] == theirs.id
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_demotion_and_a_new_kind_rescope_the_socket(agency) -> None:
    manager = agency.member("manager")  # in no team: sees everything as a manager
    outside_teams = await _incident(agency, [])
    _, socket = await connect(user=manager.user)
    await _note(outside_teams, "seen as a manager")
    assert (await socket.receive_json_from(timeout=LIVE))["event"]["kind"] == "note"

    await sync_to_async(tenant_services.membership_update)(
        membership=manager, by=agency.member("owner"), role=Role.VIEWER
    )
    assert (await socket.receive_json_from(timeout=LIVE)) == {
        "type": "scope.changed",
        "role": "viewer",
    }
    await _note(outside_teams, "not for a viewer outside the team")
    assert await socket.receive_nothing(timeout=0.3)

    # Made client staff of the brand and put in the team: client events only.
    await sync_to_async(agency.team.members.add)(manager)
    await sync_to_async(tenant_services.membership_update)(
        membership=manager,
        by=agency.member("owner"),
        kind=MemberKind.CLIENT,
        brands=[agency.brand],
    )
    assert (await socket.receive_json_from(timeout=LIVE))["type"] == "scope.changed"
    ours = await _incident(agency, [agency.team])
    assert (await socket.receive_json_from(timeout=LIVE))["event"]["kind"] == "created"
    await _note(ours, "internal")
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_brand_limit_rescopes_the_socket(agency) -> None:
    viewer = agency.member("viewer")
    incident = await _incident(agency, [agency.team])
    _, socket = await connect(user=viewer.user)
    await sync_to_async(tenant_services.membership_update)(
        membership=viewer, by=agency.member("owner"), brands=[agency.other_brand]
    )
    assert (await socket.receive_json_from(timeout=LIVE))["type"] == "scope.changed"
    await _note(incident, "another brand's now")
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_member_of_several_assigned_teams_gets_each_event_once(agency) -> None:
    viewer = agency.member("viewer")
    second = await sync_to_async(TeamFactory)(organisation=agency.org, name="second")
    await sync_to_async(second.members.add)(viewer)
    incident = await _incident(agency, [agency.team, second])
    _, socket = await connect(user=viewer.user)

    await _note(incident, "once")

    assert (await socket.receive_json_from(timeout=5))["event"]["payload"]["text"] == "once"
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_deleting_the_organisation_closes_every_socket_of_it(agency) -> None:
    from tenants.ownership import organisation_soft_delete

    _, viewer = await connect(user=agency.member("viewer").user)
    _, manager = await connect(user=agency.member("manager").user)
    await sync_to_async(organisation_soft_delete)(
        organisation=agency.org, by=agency.member("owner")
    )
    for socket in (viewer, manager):
        assert await socket.receive_output(timeout=LIVE) == {
            "type": "websocket.close",
            "code": 4403,
        }
