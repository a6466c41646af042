"""notify(), the one way anything goes out, and claim_once(), the one "at most once": every
email of the product (alerts, escalation calls, reminders, approval escalations, statements)
goes through the delivery path, so it is retried when the mail server fails, carries its
delivery id, and is sent once however often its task or its decision runs.

Email goes to a local SMTP server on 127.0.0.1 (tests/fakes/smtp.py), not to a mocked backend."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from incidents import services
from incidents.notifications.delivery import delivery_attempt
from incidents.notifications.models import Channel, Delivery
from incidents.notifications.services import claim_once, notify
from incidents.postmortems import services as pm_services
from incidents.postmortems.models import PostMortem
from tests.fakes.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:
    with smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server


def _email(agency, **kw) -> Delivery:
    delivery = notify(
        organisation=agency.org,
        channel=Channel.EMAIL,
        kind="test",
        to=["someone@example.com"],
        subject="Тема",
        message="Текст",
        **kw,
    )
    assert delivery is not None
    return delivery


def test_an_email_is_recorded_then_delivered_with_its_delivery_id(agency, smtp) -> None:
    delivery = _email(agency)
    assert delivery.state == Delivery.State.PENDING  # recorded, nothing sent yet
    assert smtp.messages == []

    assert delivery_attempt(delivery.pk) == Delivery.State.DELIVERED

    [message] = smtp.messages
    assert message["Message-ID"] == f"<{delivery.delivery_id}@crisisdesk>"
    assert message["X-CrisisDesk-Delivery"] == str(delivery.delivery_id)
    assert message["To"] == "someone@example.com"
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 1


def test_a_failing_mail_server_is_retried_and_the_mail_sent_once(agency, smtp) -> None:
    smtp.refuse_next = 2
    delivery = _email(agency)

    for _ in range(3):
        delivery.refresh_from_db()
        delivery_attempt(delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()

    assert (smtp.refused, len(smtp.messages)) == (2, 1)
    assert (delivery.state, delivery.attempts) == (Delivery.State.DELIVERED, 3)
    # A redelivered task (and the sweep's duplicate) send nothing more.
    assert delivery_attempt(delivery.pk) == "skipped"
    assert len(smtp.messages) == 1


def test_a_mail_server_that_never_accepts_ends_failed(agency, smtp) -> None:
    smtp.refuse_next = 100
    delivery = _email(agency)
    for _ in range(10):
        delivery.refresh_from_db()
        if delivery.state != Delivery.State.PENDING:
            break
        delivery_attempt(delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
    assert smtp.refused == delivery.attempts == 6
    assert "451" in delivery.last_error


def test_a_decision_taken_twice_is_one_delivery(agency, smtp) -> None:
    first = _email(agency, key="the-same-thing")
    assert _email(agency, key="the-same-thing") == first
    assert Delivery.objects.filter(organisation=agency.org).count() == 1


def test_a_rolled_back_decision_records_nothing(agency) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _email(agency)
        raise RuntimeError("rolled back")
    assert not Delivery.objects.exists()


def test_claim_once_claims_once_and_rolls_back_with_its_transaction() -> None:
    assert claim_once("k") is True
    assert claim_once("k") is False
    with pytest.raises(RuntimeError), transaction.atomic():
        assert claim_once("released") is True
        raise RuntimeError("rolled back")
    assert claim_once("released") is True
    long_key = "x" * 200
    assert (claim_once(long_key), claim_once(long_key)) == (True, False)


def test_no_address_no_delivery(agency, outsider) -> None:
    assert notify(organisation=agency.org, channel=Channel.EMAIL, kind="t", to=[]) is None
    agency.org.webhook_url = ""
    assert notify(organisation=agency.org, channel=Channel.WEBHOOK, kind="t", data={}) is None


def test_deliveries_belong_to_their_organisation(agency, outsider, smtp) -> None:
    mine = _email(agency)
    assert list(Delivery.objects.filter(organisation=outsider.org)) == []
    assert Delivery.objects.get(organisation=agency.org) == mine


def test_a_postmortem_reminder_goes_through_the_delivery_path_once_in_russian(
    agency, smtp, django_capture_on_commit_callbacks
) -> None:
    from tenants.models import UserProfile

    responder = agency.member("responder")
    responder.user.email = "commander@example.com"
    responder.user.save()
    UserProfile.objects.update_or_create(user=responder.user, defaults={"language": "ru"})
    incident = services.incident_create(brand=agency.brand, title="Сбой", severity="sev2", by=None)
    services.incident_acknowledge(incident=incident, by=responder)
    services.incident_assign(incident=incident, commander=responder, by=responder)
    services.incident_transition(incident=incident, status="resolved", by=responder)
    assert PostMortem.objects.filter(incident=incident).exists()
    later = timezone.now() + timedelta(days=4)

    with django_capture_on_commit_callbacks(execute=True):
        assert pm_services.postmortem_reminders_send(now=later) == 1
        assert pm_services.postmortem_reminders_send(now=later) == 0

    [message] = smtp.messages
    assert message["To"] == "commander@example.com"
    [delivery] = Delivery.objects.filter(kind="postmortem.reminder")
    assert delivery.state == Delivery.State.DELIVERED
    assert message["Message-ID"] == f"<{delivery.delivery_id}@crisisdesk>"
    subject = message.get("Subject")
    from email.header import decode_header, make_header

    assert "Ждёт разбор" in str(make_header(decode_header(subject)))
