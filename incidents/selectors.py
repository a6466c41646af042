"""Read queries of incidents, scoped to the member's organisation and brands."""

from dataclasses import dataclass
from datetime import datetime
from statistics import median, quantiles
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from incidents.models import OPEN_STATUSES, Incident, IncidentEvent
from incidents.sla import SLA_MILESTONES
from tenants.models import Membership, Team


def incident_list(*, membership: Membership) -> QuerySet[Incident]:
    """Every incident the member may see, with what a list row needs in a constant number of
    queries (brand, commander, teams; the organisation comes from the request)."""
    return (
        Incident.objects.visible_to(membership)
        .select_related("brand", "commander__user")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.only("id", "name")))
    )


# What a list row reads, as `values()` names it: the list builds its JSON from these plain
# rows, not from model instances (a third of the request's time; bench/FINDINGS.md).
INCIDENT_ROW_FIELDS = (
    "id",
    "title",
    "summary",
    "severity",
    "status",
    "source",
    "crisis_type",
    "is_drill",
    "detected_at",
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "created_at",
    "updated_at",
    "organisation_id",
    "brand_id",
    "brand__name",
    "brand__slug",
    "commander_id",
    "commander__user__username",
)


def incident_rows(qs: QuerySet[Incident]) -> QuerySet[dict[str, Any]]:
    """The incidents of a scoped (and filtered) queryset as plain rows; paginate it, then
    give the page to `incident_rows_with_teams`."""
    return qs.select_related(None).prefetch_related(None).values(*INCIDENT_ROW_FIELDS)


def incident_rows_with_teams(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each row's teams ({"id", "name"}, by name) with one query for the whole page."""
    by_incident: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    if by_incident:
        links = (
            Incident.teams.through.objects.filter(incident_id__in=by_incident)
            .order_by("team__name", "team_id")
            .values_list("incident_id", "team_id", "team__name")
        )
        for incident_id, team_id, name in links:
            by_incident[incident_id].append({"id": team_id, "name": name})
    for row in rows:
        row["teams"] = by_incident[row["id"]]
    return rows


def incident_filter_assigned_to(
    qs: QuerySet[Incident], membership: Membership
) -> QuerySet[Incident]:
    return qs.filter(Q(commander=membership) | Q(teams__members=membership)).distinct()


def incident_filter_open(qs: QuerySet[Incident], is_open: bool) -> QuerySet[Incident]:
    return qs.filter(status__in=OPEN_STATUSES) if is_open else qs.exclude(status__in=OPEN_STATUSES)


def event_list(
    *, membership: Membership, incident: Incident, since: int | None = None
) -> QuerySet[IncidentEvent]:
    """The timeline of an incident (got from a scoped selector) as this member may read it:
    client staff only its client events."""
    qs = (
        IncidentEvent.objects.visible_to(membership)
        .filter(incident_id=incident.id)
        .select_related("actor")
    )
    if since is not None:
        qs = qs.filter(id__gt=since)
    return qs.order_by("id")


def event_replay(*, membership: Membership, since: int, limit: int = 1000) -> list[IncidentEvent]:
    """Events after `since` of incidents whose events reach the member live, oldest first."""
    return list(
        IncidentEvent.objects.pushed_to(membership)
        .filter(id__gt=since)
        .select_related("actor")
        .order_by("id")[:limit]
    )


@dataclass(frozen=True, slots=True)
class DurationStats:
    count: int
    median_seconds: float | None
    p90_seconds: float | None
    within_sla_share: float | None

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "median_seconds": self.median_seconds,
            "p90_seconds": self.p90_seconds,
            "within_sla_share": self.within_sla_share,
        }


def _percentile_90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    # Inclusive method: the same definition as PostgreSQL's percentile_cont(0.9).
    return quantiles(values, n=10, method="inclusive")[-1]


def response_time_metrics(
    *,
    membership: Membership,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    brand_id: int | None = None,
    severity: str | None = None,
) -> dict[str, dict]:
    """Count, median and 90th percentile of TTA, TTFR and TTR, and the share within SLA.

    Drills are excluded. Reads four timestamps and the severity per incident, nothing more.
    """
    qs = Incident.objects.visible_to(membership).filter(is_drill=False)
    if date_from:
        qs = qs.filter(detected_at__gte=date_from)
    if date_to:
        qs = qs.filter(detected_at__lt=date_to)
    if brand_id:
        qs = qs.filter(brand_id=brand_id)
    if severity:
        qs = qs.filter(severity=severity)
    organisation = membership.organisation
    durations: dict[str, list[tuple[float, bool]]] = {kind: [] for kind in SLA_MILESTONES}
    rows = qs.values_list("severity", "detected_at", *SLA_MILESTONES.values())
    for severity_value, detected_at, *milestones in rows:
        for kind, reached in zip(SLA_MILESTONES, milestones, strict=True):
            if reached is None:
                continue
            seconds = (reached - detected_at).total_seconds()
            target = organisation.sla_minutes(severity_value, kind) * 60
            durations[kind].append((seconds, seconds <= target))
    names = {"acknowledge": "tta", "first_response": "ttfr", "resolve": "ttr"}
    result = {}
    for kind, values in durations.items():
        seconds = sorted(v for v, _ in values)
        stats = DurationStats(
            count=len(seconds),
            median_seconds=median(seconds) if seconds else None,
            p90_seconds=_percentile_90(seconds) if seconds else None,
            within_sla_share=(sum(1 for _, ok in values if ok) / len(values)) if values else None,
        )
        result[names[kind]] = stats.as_dict()
    return result
