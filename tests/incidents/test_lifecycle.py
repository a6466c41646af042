"""The incident lifecycle: every allowed and refused transition, timestamps set once, and
an event for each change."""

import pytest

from crisisdesk.core.exceptions import Conflict
from incidents import services
from incidents.models import TRANSITIONS, Incident, IncidentEvent, Status

pytestmark = pytest.mark.django_db

ALL = [s.value for s in Status]


def make_incident(agency, status: str = Status.DETECTED) -> Incident:
    incident = services.incident_create(
        brand=agency.brand, title="Outage", severity="sev2", by=agency.member("responder")
    )
    incident.status = status
    incident.save(update_fields=["status"])
    return incident


def test_a_new_incident_is_detected_with_a_created_event(agency) -> None:
    agency.brand.default_teams.add(agency.team)
    incident = services.incident_create(
        brand=agency.brand,
        title="Волна жалоб",
        severity="sev1",
        by=agency.member("manager"),
    )
    assert incident.status == Status.DETECTED
    assert incident.detected_at is not None
    assert list(incident.teams.all()) == [agency.team]  # the brand's default teams
    event = IncidentEvent.objects.get(incident=incident)
    assert event.kind == "created"
    assert event.payload["severity"] == "sev1"
    assert event.organisation_id == agency.org.id


@pytest.mark.parametrize(
    ("start", "target"),
    [(s, t) for s in ALL for t in ALL if t in TRANSITIONS[s] and t != Status.CLOSED],
)
def test_every_allowed_transition(agency, start, target) -> None:
    incident = make_incident(agency, start)
    actor = agency.member("responder")
    result = services.incident_transition(incident=incident, status=target, by=actor)
    assert result.status == target
    kind = "acknowledged" if target == Status.ACKNOWLEDGED else "status_changed"
    event = IncidentEvent.objects.filter(incident=incident, kind=kind).latest("id")
    assert event.payload["from"] == start
    assert event.payload["to"] == target


@pytest.mark.parametrize(
    ("start", "target"),
    [(s, t) for s in ALL for t in ALL if t not in TRANSITIONS[s] or t == Status.CLOSED],
)
def test_every_refused_transition(agency, start, target) -> None:
    incident = make_incident(agency, start)
    events_before = IncidentEvent.objects.count()
    with pytest.raises(Conflict) as refused:
        services.incident_transition(
            incident=incident, status=target, by=agency.member("responder")
        )
    assert refused.value.extra["allowed"] == list(TRANSITIONS[start])
    incident.refresh_from_db()
    assert incident.status == start
    assert IncidentEvent.objects.count() == events_before


def test_closing_is_only_through_an_approved_postmortem(agency) -> None:
    incident = make_incident(agency, Status.RESOLVED)
    services.incident_transition(
        incident=incident,
        status=Status.CLOSED,
        by=agency.member("manager"),
        allow_close=True,
    )
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    assert incident.closed_at is not None


def test_timestamps_are_set_once(agency) -> None:
    actor = agency.member("responder")
    incident = make_incident(agency)
    services.incident_acknowledge(incident=incident, by=actor)
    incident.refresh_from_db()
    acknowledged_at = incident.acknowledged_at
    assert incident.commander == actor  # the acknowledger takes command
    for status in (Status.RESPONDING, Status.MONITORING, Status.RESPONDING, Status.RESOLVED):
        services.incident_transition(incident=incident, status=status, by=actor)
    incident.refresh_from_db()
    resolved_at = incident.resolved_at
    assert resolved_at is not None
    services.incident_transition(
        incident=incident, status=Status.CLOSED, by=actor, allow_close=True
    )
    incident.refresh_from_db()
    assert incident.acknowledged_at == acknowledged_at
    assert incident.resolved_at == resolved_at
    kinds = list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    # resolving drafts the post-mortem, an event of its own
    assert kinds == [
        "created",
        "acknowledged",
        *["status_changed"] * 4,
        "postmortem_drafted",
        "status_changed",
    ]


def test_a_second_acknowledge_is_refused(agency) -> None:
    incident = make_incident(agency)
    services.incident_acknowledge(incident=incident, by=agency.member("responder"))
    with pytest.raises(Conflict):
        services.incident_acknowledge(incident=incident, by=agency.member("manager"))
    assert IncidentEvent.objects.filter(incident=incident, kind="acknowledged").count() == 1


def test_severity_change_is_its_own_event(agency) -> None:
    incident = make_incident(agency)
    services.incident_update(
        incident=incident,
        by=agency.member("responder"),
        severity="sev1",
        title="Big outage",
    )
    kinds = list(IncidentEvent.objects.filter(incident=incident).values_list("kind", "payload"))
    assert ("severity_changed", {"from": "sev2", "to": "sev1"}) in kinds
    assert any(kind == "updated" and payload["fields"] == ["title"] for kind, payload in kinds)


def test_first_response_is_recorded_exactly_once(agency) -> None:
    from django.utils import timezone

    incident = make_incident(agency)
    first = timezone.now()
    assert services.incident_record_first_response(incident=incident, at=first) is True
    assert services.incident_record_first_response(incident=incident, at=timezone.now()) is False
    incident.refresh_from_db()
    assert incident.first_response_at == first


def test_events_are_append_only_in_the_application(agency) -> None:
    make_incident(agency)
    event = IncidentEvent.objects.get()
    event.payload = {"forged": True}
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
