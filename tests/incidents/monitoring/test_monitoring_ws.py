"""An incident opened by monitoring is pushed live to the brand's team, and to nobody else."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from crisisdesk.asgi import application
from incidents.models import Incident
from incidents.monitoring.services import mention_ingest
from tenants.services import ws_ticket_issue
from tests.factories import MonitoringRuleFactory, TeamFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"http://testserver")


async def connect(user: object, org_slug: str = "alpha") -> WebsocketCommunicator:
    ticket = await sync_to_async(ws_ticket_issue)(by=user)
    communicator = WebsocketCommunicator(
        application, f"/ws/v1/orgs/{org_slug}/?ticket={ticket}", headers=[ORIGIN]
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


def keyword_post(external_id: str) -> dict:
    return {
        "platform": "vk",
        "external_id": external_id,
        "text": "Отравление после вашего кофе!",
        "posted_at": timezone.now().isoformat(),
    }


async def test_the_brands_team_receives_the_auto_opened_incident(agency, outsider) -> None:
    await sync_to_async(agency.brand.default_teams.set)([agency.team])
    await sync_to_async(MonitoringRuleFactory)(
        brand=agency.brand, keywords=["отравление"], min_negative=None, severity="sev1"
    )
    elsewhere = await sync_to_async(TeamFactory)(organisation=agency.org, name="elsewhere")
    await sync_to_async(agency.team.members.remove)(agency.member("viewer"))
    await sync_to_async(elsewhere.members.add)(agency.member("viewer"))
    responder = await connect(agency.member("responder").user)  # in the brand's team
    viewer = await connect(agency.member("viewer").user)  # in another team
    stranger = await connect(outsider.member("owner").user, org_slug="omega")

    result = await sync_to_async(mention_ingest)(brand=agency.brand, items=[keyword_post("1")])

    incident = await sync_to_async(Incident.objects.get)()
    assert result.incidents_opened == [incident.id]
    created = await responder.receive_json_from(timeout=5)
    linked = await responder.receive_json_from(timeout=5)
    assert created["type"] == "incident.event"
    assert created["incident"] == incident.id
    assert created["event"]["kind"] == "created"
    assert created["event"]["payload"]["source"] == "monitoring"
    assert created["event"]["payload"]["teams"] == [agency.team.id]
    assert linked["event"]["kind"] == "mention_linked"
    assert linked["event"]["payload"]["count"] == 1
    assert await viewer.receive_nothing(timeout=0.3)
    assert await stranger.receive_nothing(timeout=0.3)

    # The next matching mention links to the open incident: one more event, no new incident.
    await sync_to_async(mention_ingest)(brand=agency.brand, items=[keyword_post("2")])

    again = await responder.receive_json_from(timeout=5)
    assert (again["incident"], again["event"]["kind"]) == (incident.id, "mention_linked")
    assert await sync_to_async(Incident.objects.count)() == 1
    for communicator in (responder, viewer, stranger):
        await communicator.disconnect()


async def test_managers_receive_it_whatever_the_teams(agency) -> None:
    await sync_to_async(MonitoringRuleFactory)(
        brand=agency.brand, keywords=["отравление"], min_negative=None
    )
    manager = await connect(agency.member("manager").user)

    await sync_to_async(mention_ingest)(brand=agency.brand, items=[keyword_post("1")])

    message = await manager.receive_json_from(timeout=5)
    assert message["event"]["kind"] == "created"
    await manager.disconnect()
