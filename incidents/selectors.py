"""Read queries of incidents, scoped to the member's organisation and brands."""

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from incidents.metrics import METRICS, empty_stats, response_times, response_times_by
from incidents.models import OPEN_STATUSES, Incident, IncidentEvent
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
# Alike api/serializers.py:IncidentSerializer on purpose: the columns the list reads, not the
# API's fields (these carry brand__name, the serializer a nested brand).
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


def incident_rows(qs: QuerySet[Incident]) -> QuerySet[Incident, dict[str, Any]]:
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


def incidents_in_period(
    membership: Membership,
    *,
    date_from: datetime | None,
    date_to: datetime | None,
    brand_id: int | None,
    severity: str | None = None,
    drills: bool = False,
) -> QuerySet[Incident]:
    """The member's incidents detected in [date_from, date_to), of a brand and a severity when
    given; drills only when asked for. The base of the metrics and of the analytics."""
    qs = Incident.objects.visible_to(membership)
    if not drills:
        qs = qs.filter(is_drill=False)
    if date_from:
        qs = qs.filter(detected_at__gte=date_from)
    if date_to:
        qs = qs.filter(detected_at__lt=date_to)
    if brand_id:
        qs = qs.filter(brand_id=brand_id)
    if severity:
        qs = qs.filter(severity=severity)
    return qs


def response_time_metrics(
    *,
    membership: Membership,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    brand_id: int | None = None,
    severity: str | None = None,
) -> dict[str, dict]:
    """Count, median and 90th percentile of TTA, TTFR and TTR, and the share within SLA
    (incidents.metrics, one aggregate). Drills are excluded."""
    qs = incidents_in_period(
        membership, date_from=date_from, date_to=date_to, brand_id=brand_id, severity=severity
    )
    return response_times(qs, membership.organisation)


def response_time_metrics_by_month(
    *,
    membership: Membership,
    bounds: list[datetime],
    severity: str | None = None,
) -> list[dict[str, dict]]:
    """The figures of `response_time_metrics` for each month between consecutive `bounds`
    (local month starts, oldest first, then the end of the last month), from one grouped
    aggregate; drills excluded."""
    if len(bounds) < 2:
        return []
    qs = incidents_in_period(
        membership, date_from=bounds[0], date_to=bounds[-1], brand_id=None, severity=severity
    )
    by_month = response_times_by(
        qs,
        membership.organisation,
        group=TruncMonth("detected_at", tzinfo=timezone.get_current_timezone()),
    )
    return [
        by_month.get(start) or {m.name: empty_stats() for m in METRICS} for start in bounds[:-1]
    ]
