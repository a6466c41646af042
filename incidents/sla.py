"""SLA due times and breaches, from the organisation's targets for the incident's severity."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import pgettext_lazy

from incidents.models import OPEN_STATUSES, Incident
from tenants.models import Organisation

# The labels of the three SLA clocks (a context: "Acknowledge" is also a button).
CLOCK_LABELS = {
    "acknowledge": pgettext_lazy("SLA clock", "Acknowledge"),
    "first_response": pgettext_lazy("SLA clock", "First response"),
    "resolve": pgettext_lazy("SLA clock", "Resolve"),
}

SLA_MILESTONES = {
    "acknowledge": "acknowledged_at",
    "first_response": "first_response_at",
    "resolve": "resolved_at",
}


@dataclass(frozen=True, slots=True)
class SlaClock:
    kind: str
    target_minutes: int
    due_at: datetime
    met_at: datetime | None
    breached: bool

    def as_dict(self) -> dict:
        return {
            "target_minutes": self.target_minutes,
            "due_at": self.due_at,
            "met_at": self.met_at,
            "breached": self.breached,
        }


def sla_clocks(incident: Incident, now: datetime | None = None) -> dict[str, SlaClock]:
    """Due time, completion and breach of each SLA target. Uses incident.organisation (no query
    when it was select_related or is the request's organisation)."""
    return sla_clocks_of(
        organisation=incident.organisation,
        severity=incident.severity,
        status=incident.status,
        detected_at=incident.detected_at,
        milestones={field: getattr(incident, field) for field in SLA_MILESTONES.values()},
        now=now or timezone.now(),
    )


def sla_clocks_of(
    *,
    organisation: Organisation,
    severity: str,
    status: str,
    detected_at: datetime,
    milestones: Mapping[str, datetime | None],
    now: datetime,
) -> dict[str, SlaClock]:
    """The clocks from plain values: `milestones` maps each SLA_MILESTONES field to its time
    (a model's attributes or a `values()` row, as the incident list reads them)."""
    is_open = status in OPEN_STATUSES
    clocks = {}
    for kind, field in SLA_MILESTONES.items():
        minutes = organisation.sla_minutes(severity, kind)
        due_at = detected_at + timedelta(minutes=minutes)
        met_at = milestones[field]
        breached = (met_at > due_at) if met_at is not None else (is_open and now > due_at)
        clocks[kind] = SlaClock(kind, minutes, due_at, met_at, breached)
    return clocks
