"""A response waiting for approval longer than the organisation allows is escalated, once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from incidents.models import IncidentEvent, Status
from templates import services
from templates.models import Response
from templates.tasks import approval_escalation_run
from tests.factories import IncidentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(agency):
    """A response submitted 45 minutes ago (the organisation escalates after 30)."""
    incident = IncidentFactory(brand=agency.brand, status=Status.RESPONDING, title="Outage")
    responder = agency.member("responder")
    response = services.response_create(incident=incident, by=responder, channel="x", body="Sorry.")
    services.response_submit(response=response, by=responder)
    Response.objects.filter(pk=response.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=45)
    )
    return Response.objects.get(pk=response.pk)


def escalations(response) -> list[dict]:
    return list(
        IncidentEvent.objects.filter(incident=response.incident, kind="response_escalated")
        .order_by("id")
        .values_list("payload", flat=True)
    )


def test_a_long_wait_is_escalated_with_an_event_and_an_email_to_managers(
    agency, submitted, django_capture_on_commit_callbacks
) -> None:
    agency.member("manager").user.email = "manager@alpha.test"
    agency.member("manager").user.save()
    agency.member("owner").user.email = "owner@alpha.test"
    agency.member("owner").user.save()

    with django_capture_on_commit_callbacks(execute=True):
        result = approval_escalation_run.delay().get()

    assert result == [submitted.id]
    [event] = escalations(submitted)
    assert event["response"] == submitted.id
    assert event["escalation_minutes"] == 30
    assert 45 * 60 <= event["waited_seconds"] < 46 * 60
    assert event["client_approval_pending"] is False
    # One email each (in their language), through the delivery path.
    assert sorted(e.to[0] for e in mail.outbox) == ["manager@alpha.test", "owner@alpha.test"]
    assert all("Outage" in e.subject for e in mail.outbox)
    assert len({e.extra_headers["Message-ID"] for e in mail.outbox}) == 2
    submitted.refresh_from_db()
    assert submitted.escalated_at is not None


def test_running_twice_escalates_once(submitted, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = approval_escalation_run.delay().get()
    told = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        second = approval_escalation_run.delay().get()

    assert (first, second) == ([submitted.id], [])
    assert len(escalations(submitted)) == 1
    assert told >= 1 and len(mail.outbox) == told  # one email per manager, once
    assert len({e.to[0] for e in mail.outbox}) == told


def test_a_wait_within_the_setting_is_not_escalated(agency, submitted) -> None:
    agency.org.approval_escalation_minutes = 60
    agency.org.save()

    assert approval_escalation_run.delay().get() == []
    assert escalations(submitted) == []


def test_approved_and_draft_responses_are_never_escalated(agency, submitted) -> None:
    services.response_approve(response=submitted, by=agency.member("manager"))

    assert approval_escalation_run.delay().get() == []


def test_a_resubmission_gets_its_own_escalation(agency, submitted) -> None:
    manager, responder = agency.member("manager"), agency.member("responder")
    approval_escalation_run.delay().get()
    services.response_reject(response=submitted, by=manager, reason="Shorter, please.")
    services.response_update(response=submitted, by=responder, body="Sorry!")
    services.response_submit(response=submitted, by=responder)
    Response.objects.filter(pk=submitted.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=31)
    )

    assert approval_escalation_run.delay().get() == [submitted.id]
    assert len(escalations(submitted)) == 2


def test_managers_limited_to_other_brands_are_not_told(
    agency, submitted, django_capture_on_commit_callbacks
) -> None:
    elsewhere = MembershipFactory(
        organisation=agency.org, role="manager", user=UserFactory(email="far@alpha.test")
    )
    elsewhere.brands.set([agency.other_brand])
    here = MembershipFactory(
        organisation=agency.org, role="manager", user=UserFactory(email="near@alpha.test")
    )
    here.brands.set([agency.brand])

    with django_capture_on_commit_callbacks(execute=True):
        approval_escalation_run.delay().get()

    told = {e.to[0] for e in mail.outbox}
    assert "near@alpha.test" in told
    assert "far@alpha.test" not in told


def test_an_organisation_id_limits_the_run(submitted, outsider) -> None:
    assert approval_escalation_run.delay(outsider.org.id).get() == []
    assert approval_escalation_run.delay(submitted.organisation_id).get() == [submitted.id]
