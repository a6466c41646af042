"""SLA check: each breach writes one sla_breached event and notifies managers once, however
often or concurrently the task runs."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from incidents.models import IncidentEvent, SlaBreach
from incidents.notifications.breaches import sla_breaches_check
from incidents.notifications.tasks import sla_check_run
from incidents.services import incident_acknowledge, incident_transition
from tests.factories import IncidentFactory, MembershipFactory

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def breach_events(incident: object) -> list[str]:
    return list(
        IncidentEvent.objects.filter(incident=incident, kind="sla_breached")
        .order_by("id")
        .values_list("payload__kind", flat=True)
    )


@pytest.mark.django_db
def test_a_breach_is_escalated_once_however_often_the_check_runs(
    agency, django_capture_on_commit_callbacks
) -> None:
    # sev1: 15 minutes to acknowledge, 60 to the first public response.
    incident = IncidentFactory(
        brand=agency.brand, severity="sev1", detected_at=NOW - timedelta(minutes=20)
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = sla_breaches_check(now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        second = sla_breaches_check(now=NOW + timedelta(minutes=1))

    assert [(b.incident_id, b.kind) for b in first] == [(incident.id, "acknowledge")]
    assert second == []
    assert breach_events(incident) == ["acknowledge"]
    event = IncidentEvent.objects.get(incident=incident, kind="sla_breached")
    assert event.payload == {
        "kind": "acknowledge",
        "severity": "sev1",
        "target_minutes": 15,
        "due_at": "2025-03-10T11:55:00Z",
    }
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["alpha-manager@example.com", "alpha-owner@example.com"]
    # In the brand's language (the factory's brands speak Russian first).
    assert "Нарушен SLA" in mail.outbox[0].subject
    assert "время до подтверждения" in mail.outbox[0].subject


@pytest.mark.django_db
def test_each_kind_is_escalated_when_it_is_breached(
    agency, django_capture_on_commit_callbacks
) -> None:
    incident = IncidentFactory(
        brand=agency.brand, severity="sev1", detected_at=NOW - timedelta(minutes=20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        sla_breaches_check(now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        later = sla_breaches_check(now=NOW + timedelta(minutes=45))

    assert [b.kind for b in later] == ["first_response"]
    assert breach_events(incident) == ["acknowledge", "first_response"]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_late_acknowledgement_is_still_a_breach(agency) -> None:
    incident = IncidentFactory(
        brand=agency.brand, severity="sev1", detected_at=timezone.now() - timedelta(minutes=30)
    )
    incident_acknowledge(incident=incident, by=agency.member("responder"))

    breaches = sla_breaches_check()

    assert [b.kind for b in breaches] == ["acknowledge"]


@pytest.mark.django_db
def test_drills_closed_and_healthy_incidents_are_not_escalated(agency) -> None:
    IncidentFactory(
        brand=agency.brand, severity="sev1", is_drill=True, detected_at=NOW - timedelta(hours=3)
    )
    fresh = IncidentFactory(
        brand=agency.brand, severity="sev1", detected_at=NOW - timedelta(minutes=5)
    )
    resolved = IncidentFactory(
        brand=agency.brand, severity="sev1", detected_at=timezone.now() - timedelta(minutes=10)
    )
    manager = agency.member("manager")
    incident_acknowledge(incident=resolved, by=manager)
    incident_transition(incident=resolved, status="resolved", by=manager)

    assert sla_breaches_check(now=NOW) == []
    assert not SlaBreach.objects.exists()
    assert breach_events(fresh) == []


@pytest.mark.django_db
def test_the_organisations_own_targets_apply(agency) -> None:
    agency.org.sla_targets = {"sev3": {"acknowledge": 5, "first_response": 600, "resolve": 6000}}
    agency.org.save()
    IncidentFactory(brand=agency.brand, severity="sev3", detected_at=NOW - timedelta(minutes=6))

    assert [b.kind for b in sla_breaches_check(now=NOW)] == ["acknowledge"]


@pytest.mark.django_db
def test_only_managers_and_owners_with_an_email_are_notified(
    agency, django_capture_on_commit_callbacks
) -> None:
    MembershipFactory(organisation=agency.org, role="manager", user__email="")
    IncidentFactory(brand=agency.brand, severity="sev1", detected_at=NOW - timedelta(minutes=20))

    with django_capture_on_commit_callbacks(execute=True):
        sla_breaches_check(now=NOW)

    assert sorted(mail.outbox[0].to) == ["alpha-manager@example.com", "alpha-owner@example.com"]


@pytest.mark.django_db
def test_the_task_runs_the_check(agency, django_capture_on_commit_callbacks) -> None:
    IncidentFactory(
        brand=agency.brand, severity="sev1", detected_at=timezone.now() - timedelta(minutes=20)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert sla_check_run.delay().get() == 1
        assert sla_check_run.delay().get() == 0

    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_escalate_each_breach_once(agency) -> None:
    incidents = [
        IncidentFactory(
            brand=agency.brand, severity="sev1", detected_at=NOW - timedelta(minutes=90)
        )
        for _ in range(5)
    ]  # each breached twice: acknowledge and first response
    runs = 4
    barrier = threading.Barrier(runs)
    claimed: list[int] = []
    errors: list[Exception] = []

    def check() -> None:
        try:
            barrier.wait()
            claimed.append(len(sla_breaches_check(now=NOW)))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(claimed) == 10
    assert SlaBreach.objects.count() == 10
    for incident in incidents:
        assert breach_events(incident) == ["acknowledge", "first_response"]
    assert len(mail.outbox) == 10  # one per breach, not one per run
