"""End to end: a source's burst of negative posts opens an incident by itself, and the incident
shows up live. A fake feed on 127.0.0.1 serves the burst over real HTTP; the beat's dispatch
enqueues the poll, the worker's task polls (eager here), the ingest scores and detects, and
a connected WebSocket receives the incident's `created` event; another agency's receives
nothing, and the next poll stores nothing twice and opens no second incident."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from crisisdesk.asgi import application
from incidents.models import Incident
from incidents.monitoring.models import Mention, Source
from incidents.monitoring.services.sources import source_create
from incidents.monitoring.tasks import sources_dispatch_run
from tenants.services import ws_ticket_issue
from tests.factories import MonitoringRuleFactory
from tests.fakes.rss import FeedServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"http://testserver")
BURST = 12
ANGRY = [
    "Ужасно: кофе «Северный» отравил гостей, отвратительный сервис",
    "Отвратительно! Верните деньги, больше никогда",
    "Ужасный сервис и грязные столы, позор",
]


async def connect(user: object, org_slug: str) -> WebsocketCommunicator:
    ticket = await sync_to_async(ws_ticket_issue)(by=user)
    communicator = WebsocketCommunicator(
        application, f"/ws/v1/orgs/{org_slug}/?ticket={ticket}", headers=[ORIGIN]
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


async def next_event(communicator: WebsocketCommunicator, kind: str) -> dict:
    while True:
        message = await communicator.receive_json_from(timeout=10)
        if message.get("type") == "incident.event" and message["event"]["kind"] == kind:
            return message


@pytest.fixture
def feed(settings):
    server = FeedServer()
    with server.running():
        settings.OUTBOUND_ALLOW_HOSTS = [server.hostport]
        yield server


async def test_a_sources_burst_opens_an_incident_that_shows_up_live(agency, outsider, feed) -> None:
    await sync_to_async(agency.brand.default_teams.set)([agency.team])
    rule = await sync_to_async(MonitoringRuleFactory)(
        brand=agency.brand, name="Spike", window_minutes=15, min_negative=10, multiplier=3
    )
    source = await sync_to_async(source_create)(
        brand=agency.brand, kind="rss", config={"url": feed.url + "/rss.xml"}, name="City news"
    )
    now = timezone.now()
    for i in range(BURST):
        feed.add(f"burst-{i}", f"Новость {i}", ANGRY[i % len(ANGRY)], now - timedelta(seconds=i))
    responder = await connect(agency.member("responder").user, "alpha")  # in the brand's team
    stranger = await connect(outsider.member("owner").user, "omega")

    dispatched = await sync_to_async(sources_dispatch_run)()

    assert dispatched == [source.pk]
    created = await next_event(responder, "created")
    incident = await sync_to_async(Incident.objects.get)()
    assert created["incident"] == incident.id
    assert created["event"]["payload"]["source"] == "monitoring"
    assert (incident.brand_id, incident.monitoring_rule_id) == (agency.brand.id, rule.id)
    linked = await next_event(responder, "mention_linked")
    assert linked["event"]["payload"]["count"] == BURST
    assert await stranger.receive_nothing(timeout=0.5)
    polled = await sync_to_async(Source.objects.get)(pk=source.pk)
    assert (polled.state, polled.fetched_total) == ("ok", BURST)
    linked_count = await sync_to_async(
        Mention.objects.filter(incident_id=incident.id, sentiment_label="negative").count
    )()
    assert linked_count == BURST

    # The next poll (the cursor) fetches nothing twice and opens no second incident.
    await sync_to_async(Source.objects.filter(pk=source.pk).update)(next_poll_at=None)
    assert await sync_to_async(sources_dispatch_run)() == [source.pk]
    assert await sync_to_async(Mention.objects.count)() == BURST
    assert await sync_to_async(Incident.objects.count)() == 1
    for communicator in (responder, stranger):
        await communicator.disconnect()
