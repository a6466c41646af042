"""Notifications: email to managers and owners, signed webhooks with retries, each attempt logged.

Webhooks go to a local HTTP server on 127.0.0.1 only."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from crisisdesk.core.signing import signature_compute
from incidents.monitoring.services import mention_ingest
from incidents.notifications.breaches import sla_breaches_check
from incidents.notifications.delivery import RETRIES, delivery_attempt
from incidents.notifications.models import Channel, Delivery, WebhookDelivery
from incidents.notifications.services import notification_send, notify
from tests.factories import IncidentFactory, MembershipFactory, MonitoringRuleFactory

pytestmark = pytest.mark.django_db


class Receiver(ThreadingHTTPServer):
    """Answers with the queued status codes (then 200) and records every request."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.statuses: list[int] = []
        self.requests: list[tuple[dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/crisisdesk"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((dict(self.headers.items()), body))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    server = Receiver()
    # Loopback is refused by the outbound policy unless listed, as an on-premises host would be.
    settings.OUTBOUND_ALLOW_HOSTS = [f"127.0.0.1:{server.server_address[1]}"]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def verify(headers: dict[str, str], body: bytes, secret: str) -> bool:
    parts = dict(p.split("=", 1) for p in headers["X-CrisisDesk-Signature"].split(","))
    fresh = abs(time.time() - int(parts["t"])) <= 300
    return fresh and parts["v1"] == signature_compute(
        secret=secret, timestamp=int(parts["t"]), body=body
    )


def managers_notified(agency: object, django_capture_on_commit_callbacks: object) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notification_send(
            organisation=agency.org,
            event_type="incident.test",
            email=lambda: ("Subject", "Message"),
            language="en",
            data={"hello": "мир"},
        )


def test_a_webhook_is_signed_delivered_and_logged(
    agency, receiver, django_capture_on_commit_callbacks
) -> None:
    agency.org.webhook_url = receiver.url
    agency.org.save()

    managers_notified(agency, django_capture_on_commit_callbacks)

    [(headers, body)] = receiver.requests
    assert headers["Content-Type"] == "application/json"
    assert headers["X-CrisisDesk-Event"] == "incident.test"
    assert verify(headers, body, agency.org.webhook_secret)
    envelope = json.loads(body)
    assert envelope["type"] == "incident.test"
    assert envelope["organisation"] == "alpha"
    assert envelope["data"] == {"hello": "мир"}
    assert envelope["id"] == headers["X-CrisisDesk-Delivery"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempt, delivery.status_code, delivery.error) == (1, 200, "")
    assert str(delivery.delivery_id) == envelope["id"]
    assert delivery.url == receiver.url
    assert len(mail.outbox) == 1


def _webhook(agency: object, delivery_id: str) -> Delivery:
    """One recorded webhook delivery and its first attempt (the task's, after commit)."""
    delivery = notify(
        organisation=agency.org,
        channel=Channel.WEBHOOK,
        kind="t",
        delivery_id=delivery_id,
        data={},
    )
    assert delivery is not None
    delivery_attempt(delivery.pk)
    return delivery


def _attempts_until_settled(delivery: Delivery) -> Delivery:
    """Run the later attempts as the sweep would, each once its backoff has passed."""
    for _ in range(20):
        delivery.refresh_from_db()
        if delivery.state != Delivery.State.PENDING:
            break
        delivery_attempt(delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    return delivery


def test_a_failing_receiver_is_retried_and_each_attempt_logged(agency, receiver) -> None:
    agency.org.webhook_url = receiver.url
    agency.org.save()
    receiver.statuses = [503, 500]
    delivery_id = "8d7f0c3e-0000-4000-8000-000000000003"

    delivery = _attempts_until_settled(_webhook(agency, delivery_id))

    assert (delivery.state, delivery.attempts) == ("delivered", 3)
    attempts = list(
        WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code", "error")
    )
    assert attempts == [(1, 503, "HTTP 503"), (2, 500, "HTTP 500"), (3, 200, "")]
    assert {h["X-CrisisDesk-Delivery"] for h, _ in receiver.requests} == {delivery_id}
    assert all(verify(h, b, agency.org.webhook_secret) for h, b in receiver.requests)
    assert len({b for _, b in receiver.requests}) == 1  # the same body each time
    # Run again (a redelivered task): delivered already, nothing is sent.
    assert delivery_attempt(delivery.pk) == "skipped"
    assert len(receiver.requests) == 3


def test_a_retry_waits_its_backoff(agency, receiver) -> None:
    agency.org.webhook_url = receiver.url
    agency.org.save()
    receiver.statuses = [503]
    delivery = _webhook(agency, "8d7f0c3e-0000-4000-8000-000000000004")
    delivery.refresh_from_db()

    assert delivery.state == "pending"
    assert delivery_attempt(delivery.pk) == "skipped"  # not due yet
    assert len(receiver.requests) == 1
    assert delivery_attempt(delivery.pk, now=delivery.next_attempt_at) == "delivered"


def test_a_client_error_is_final(agency, receiver) -> None:
    agency.org.webhook_url = receiver.url
    agency.org.save()
    receiver.statuses = [404]

    delivery = _webhook(agency, "8d7f0c3e-0000-4000-8000-000000000001")

    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == ("failed", "HTTP 404")
    assert WebhookDelivery.objects.count() == 1


def test_an_unreachable_receiver_is_retried_with_backoff_then_gives_up(agency, settings) -> None:
    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.OUTBOUND_ALLOW_HOSTS = [f"127.0.0.1:{port}"]
    agency.org.webhook_url = f"http://127.0.0.1:{port}/"
    agency.org.save()

    delivery = _attempts_until_settled(_webhook(agency, "8d7f0c3e-0000-4000-8000-000000000002"))

    assert delivery.state == "failed"
    policy = RETRIES[Channel.WEBHOOK]
    attempts = WebhookDelivery.objects.order_by("attempt")
    assert [d.attempt for d in attempts] == list(range(1, policy.attempts + 1))
    assert all(d.status_code is None and d.error.startswith("connect:") for d in attempts)
    assert [policy.wait(n) <= min(600, 5 * 2 ** (n - 1)) for n in range(1, 9)] == [True] * 8


def test_no_webhook_url_means_email_only(agency, django_capture_on_commit_callbacks) -> None:
    managers_notified(agency, django_capture_on_commit_callbacks)

    assert not WebhookDelivery.objects.exists()
    assert len(mail.outbox) == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(
    agency, receiver, django_capture_on_commit_callbacks
) -> None:
    agency.org.webhook_url = receiver.url
    agency.org.save()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notification_send(
            organisation=agency.org,
            event_type="x",
            email=lambda: ("s", "m"),
            language="en",
            data={},
        )
        raise RuntimeError("rolled back")

    assert receiver.requests == []
    assert mail.outbox == []


def test_an_sla_breach_posts_its_webhook(
    agency, receiver, django_capture_on_commit_callbacks
) -> None:
    agency.org.webhook_url = receiver.url
    agency.org.save()
    incident = IncidentFactory(
        brand=agency.brand, severity="sev1", detected_at=timezone.now() - timedelta(minutes=20)
    )

    with django_capture_on_commit_callbacks(execute=True):
        sla_breaches_check()

    [(headers, body)] = receiver.requests
    envelope = json.loads(body)
    assert headers["X-CrisisDesk-Event"] == "incident.sla_breached"
    assert envelope["data"]["incident"]["id"] == incident.id
    assert envelope["data"]["sla"]["kind"] == "acknowledge"


def keyword_incident_opened(agency: object, django_capture_on_commit_callbacks: object) -> None:
    """A keyword rule of the brand, and one matching post ingested: monitoring opens an
    incident and alerts (on commit)."""
    MonitoringRuleFactory(brand=agency.brand, keywords=["отравление"], min_negative=None)
    with django_capture_on_commit_callbacks(execute=True):
        mention_ingest(
            brand=agency.brand,
            items=[
                {
                    "platform": "vk",
                    "external_id": "1",
                    "text": "Отравление после кофе",
                    "posted_at": timezone.now().isoformat(),
                }
            ],
        )


def test_an_incident_opened_by_monitoring_notifies_managers(
    agency, django_capture_on_commit_callbacks
) -> None:
    keyword_incident_opened(agency, django_capture_on_commit_callbacks)

    [email] = mail.outbox
    assert "Обнаружен" in email.subject  # the brand's language: Russian first
    assert sorted(email.to) == ["alpha-manager@example.com", "alpha-owner@example.com"]


def test_a_brand_alert_is_not_mailed_to_managers_of_other_brands_or_the_client(
    agency, django_capture_on_commit_callbacks
) -> None:
    """The detection alert names the brand, its incident and its posts: a manager limited to
    another brand, and the client's own staff, may not read it (the same readers as the
    failing-source alert)."""
    elsewhere = MembershipFactory(
        organisation=agency.org, role="manager", user__email="elsewhere@example.com"
    )
    elsewhere.brands.set([agency.other_brand])
    here = MembershipFactory(
        organisation=agency.org, role="manager", user__email="here@example.com"
    )
    here.brands.set([agency.brand])
    client = MembershipFactory(
        organisation=agency.org, role="manager", kind="client", user__email="client@example.com"
    )
    client.brands.set([agency.brand])
    keyword_incident_opened(agency, django_capture_on_commit_callbacks)

    recipients = {address for email in mail.outbox for address in email.to}
    assert recipients == {
        "alpha-manager@example.com",
        "alpha-owner@example.com",
        "here@example.com",
    }
