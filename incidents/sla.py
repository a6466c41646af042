"""SLA due times and breaches, from the organisation's targets for the incident's severity."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from incidents.models import Incident

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
    now = now or timezone.now()
    clocks = {}
    for kind, field in SLA_MILESTONES.items():
        minutes = incident.organisation.sla_minutes(incident.severity, kind)
        due_at = incident.detected_at + timedelta(minutes=minutes)
        met_at = getattr(incident, field)
        breached = (met_at > due_at) if met_at is not None else (incident.is_open and now > due_at)
        clocks[kind] = SlaClock(kind, minutes, due_at, met_at, breached)
    return clocks
