"""Every email the product sends is written in its recipient's language: the one their profile
chose, else the brand's (for alerts) or the inviter's; a Russian email holds no English
sentence of the product (the catalogue complete), with the Russian plural forms."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from incidents import services
from incidents.models import Status
from incidents.monitoring.services import mention_ingest
from incidents.notifications.breaches import sla_breaches_check
from incidents.postmortems import services as pm_services
from incidents.postmortems.models import PostMortem
from templates import services as template_services
from templates.models import Response
from templates.services import statements
from templates.tasks import approval_escalation_run
from tenants.accounts import email_verification_send, password_reset_request
from tenants.models import UserProfile
from tenants.services import invitation_create
from tests.factories import IncidentFactory, MonitoringRuleFactory, UserFactory
from tests.web.test_russian_everywhere import _english_in, _english_sentences

pytestmark = pytest.mark.django_db


def reads(user, language: str) -> None:
    UserProfile.objects.update_or_create(user=user, defaults={"language": language})


@pytest.fixture
def english_brand(agency):
    """The brand speaks English: a Russian email below is the recipient's choice."""
    agency.brand.languages = ["en"]
    agency.brand.save()
    for role in ("owner", "manager", "responder"):
        user = agency.member(role).user
        user.email = f"{role}@alpha.test"
        user.save()
        reads(user, "ru")
    return agency.brand


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """sent(callable) → the emails it sends (after commit, the tasks run eagerly)."""

    def run(action) -> list:
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            action()
        return mail.outbox[before:]

    return run


def assert_russian(emails: list, *phrases: str) -> None:
    assert emails, "no email was sent"
    sentences = _english_sentences()
    for email in emails:
        text = f"{email.subject}\n{email.body}"
        assert _english_in(text, sentences) == [], text
        for phrase in phrases:
            assert phrase in text, text


def resolved(agency):
    responder = agency.member("responder")
    incident = services.incident_create(
        brand=agency.brand, title="Delivery delays", severity="sev2", by=responder
    )
    services.incident_acknowledge(incident=incident, by=responder)
    services.incident_transition(incident=incident, status="resolved", by=responder)
    return incident, PostMortem.objects.get(incident=incident)


def test_account_emails_follow_the_user_s_language(agency, english_brand, sent) -> None:
    user = agency.member("owner").user
    verify = sent(lambda: email_verification_send(user=user, link_base="http://testserver"))
    assert_russian(verify, "CrisisDesk: подтвердите")
    request = RequestFactory().post("/password-reset/")
    reset = sent(lambda: password_reset_request(email=user.email, request=request))
    assert_russian(reset, "пароль")


def test_an_invitation_is_in_the_invitee_s_language(agency, english_brand, sent) -> None:
    invitee = UserFactory(username="newcomer", email="newcomer@elsewhere.test")
    reads(invitee, "ru")
    reads(agency.member("owner").user, "en")

    [email] = sent(
        lambda: invitation_create(
            organisation=agency.org,
            by=agency.member("owner"),
            email="newcomer@elsewhere.test",
            role="responder",
        )
    )
    assert_russian([email], "приглаша")

    # Someone without an account reads the inviter's language.
    [english] = sent(
        lambda: invitation_create(
            organisation=agency.org,
            by=agency.member("owner"),
            email="stranger@elsewhere.test",
            role="viewer",
        )
    )
    assert "invites you" in english.body


def test_a_monitoring_alert_is_in_each_manager_s_language(agency, english_brand, sent) -> None:
    # The incident's own title and summary are in the brand's language: a Russian brand here,
    # read by a Russian-reading manager and an English-reading owner.
    agency.brand.languages = ["ru", "en"]
    agency.brand.save()
    reads(agency.member("owner").user, "en")
    MonitoringRuleFactory(brand=agency.brand, keywords=["lawsuit"], min_negative=None)
    post = {
        "platform": "x",
        "external_id": "1",
        "text": "Filing a lawsuit",
        "posted_at": timezone.now().isoformat(),
    }

    emails = sent(lambda: mention_ingest(brand=agency.brand, items=[post]))

    by_address = {email.to[0]: email for email in emails if len(email.to) == 1}
    assert sorted(by_address) == ["manager@alpha.test", "owner@alpha.test"]
    assert_russian([by_address["manager@alpha.test"]], "Обнаружен", "Мониторинг открыл")
    assert "Monitoring opened incident" in by_address["owner@alpha.test"].body


def test_an_sla_breach_is_in_russian(agency, english_brand, sent) -> None:
    IncidentFactory(
        brand=agency.brand, severity="sev1", detected_at=timezone.now() - timedelta(minutes=20)
    )
    emails = sent(sla_breaches_check)
    assert_russian(emails, "Нарушен SLA", "15 минут ")


def test_post_mortem_and_action_item_reminders_are_in_russian(agency, english_brand, sent) -> None:
    _incident, postmortem = resolved(agency)
    later = timezone.now() + timedelta(days=4)

    reminder = sent(lambda: pm_services.postmortem_reminders_send(now=later))
    pm_services.action_item_create(
        postmortem=postmortem,
        title="Update the FAQ",
        owner=agency.member("manager"),
        due_date=timezone.now().date() - timedelta(days=1),
    )
    overdue = sent(pm_services.action_item_reminders_send)

    assert_russian(reminder, "Ждёт разбор инцидента")
    assert_russian(overdue, "Просрочена задача", "Срок:")


def test_an_approval_escalation_is_in_russian(agency, english_brand, sent) -> None:
    incident = IncidentFactory(brand=agency.brand, status=Status.RESPONDING, title="Outage")
    responder = agency.member("responder")
    response = template_services.response_create(
        incident=incident, by=responder, channel="x", body="Sorry."
    )
    template_services.response_submit(response=response, by=responder)
    Response.objects.filter(pk=response.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=45)
    )

    emails = sent(lambda: approval_escalation_run.delay().get())

    assert_russian(emails, "Ответ ждёт согласования", "ждёт согласования с")


def test_statement_emails_are_in_the_subscriber_s_language(agency, english_brand, sent) -> None:
    incident = IncidentFactory(brand=agency.brand, status=Status.RESPONDING)
    manager = agency.member("manager")
    page = statements.statement_page_publish(incident=incident, by=manager)
    emails = sent(
        lambda: statements.statement_subscribe(page=page, email="reader@example.com", language="ru")
    )
    assert_russian(emails, "Подтвердите")
