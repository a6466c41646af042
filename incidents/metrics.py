"""Response times: time to acknowledge (TTA), to first public response (TTFR) and to resolve
(TTR). The one place that maps each to its milestone and SLA clock, and computes them.

Over many incidents the figures come from one grouped aggregate: count, median and 90th
percentile (PostgreSQL's percentile_cont, the "inclusive" definition) and the share within the
organisation's SLA target for each incident's severity. SQLite has no percentile aggregate:
there the same figures come from one query's durations (the embedded mode's data is small;
CI and production run PostgreSQL). Of one incident they come from its SLA clocks.

The callers give a queryset already scoped to the member (`Incident.objects.visible_to`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median, quantiles
from typing import Any

from django.conf import settings
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    Expression,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import LessThanOrEqual

from incidents.models import Incident
from incidents.sla import sla_clocks
from tenants.models import Organisation, Severity


@dataclass(frozen=True, slots=True)
class Metric:
    name: str  # tta, ttfr, ttr
    clock: str  # the SLA clock it is measured against (incidents.sla)
    field: str  # the incident's milestone


METRICS = (
    Metric("tta", "acknowledge", "acknowledged_at"),
    Metric("ttfr", "first_response", "first_response_at"),
    Metric("ttr", "resolve", "resolved_at"),
)
METRIC_OF_CLOCK = {m.clock: m.name for m in METRICS}


def empty_stats() -> dict[str, Any]:
    return {"count": 0, "median_seconds": None, "p90_seconds": None, "within_sla_share": None}


class Percentile(Aggregate):
    """percentile_cont(p) WITHIN GROUP (ORDER BY expr) — PostgreSQL only."""

    function = "percentile_cont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, percentile: float, **extra: Any) -> None:
        super().__init__(expression, percentile=percentile, **extra)


class EpochSeconds(Func):
    """Seconds between two timestamps, as a float (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "
    output_field = FloatField()


def _target_seconds(organisation: Organisation, clock: str) -> Case:
    return Case(
        *[
            When(severity=sev, then=Value(float(organisation.sla_minutes(sev, clock) * 60)))
            for sev in Severity.values
        ],
        output_field=FloatField(),
    )


def _aggregates(organisation: Organisation) -> dict[str, Aggregate]:
    aggregates: dict[str, Aggregate] = {}
    for m in METRICS:
        seconds = EpochSeconds(F(m.field), F("detected_at"))
        reached = Q(**{f"{m.field}__isnull": False})
        within = Case(
            When(LessThanOrEqual(seconds, _target_seconds(organisation, m.clock)), then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
        aggregates[f"{m.name}_count"] = Count("id", filter=reached)
        aggregates[f"{m.name}_median"] = Percentile(seconds, 0.5, filter=reached)
        aggregates[f"{m.name}_p90"] = Percentile(seconds, 0.9, filter=reached)
        aggregates[f"{m.name}_within"] = Avg(within, filter=reached)
    return aggregates


def _microseconds(seconds: float | None) -> float | None:
    """Durations to the microsecond (the timestamps' precision): percentile_cont's
    interpolation and Python's differ in the last bits (2040.0000000000002 and 2040.0)."""
    return None if seconds is None else round(seconds, 6)


def _shape(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        m.name: {
            "count": row[f"{m.name}_count"],
            "median_seconds": _microseconds(row[f"{m.name}_median"]),
            "p90_seconds": _microseconds(row[f"{m.name}_p90"]),
            "within_sla_share": row[f"{m.name}_within"],
        }
        for m in METRICS
    }


def _percentile_90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    # Inclusive method: the same definition as PostgreSQL's percentile_cont(0.9).
    return quantiles(values, n=10, method="inclusive")[-1]


def stats_of_durations(
    rows: Iterable[tuple[Any, str, datetime, datetime | None, datetime | None, datetime | None]],
    organisation: Organisation,
) -> dict[Any, dict[str, dict[str, Any]]]:
    """The figures from (group, severity, detected_at, acknowledged_at, first_response_at,
    resolved_at) rows, per group: SQLite's way (no percentile aggregate there)."""
    durations: dict[Any, dict[str, list[tuple[float, bool]]]] = {}
    for group, severity, detected_at, *milestones in rows:
        bucket = durations.setdefault(group, {m.name: [] for m in METRICS})
        for m, reached in zip(METRICS, milestones, strict=True):
            if reached is None:
                continue
            seconds = (reached - detected_at).total_seconds()
            target = organisation.sla_minutes(severity, m.clock) * 60
            bucket[m.name].append((seconds, seconds <= target))
    result: dict[Any, dict[str, dict[str, Any]]] = {}
    for group, by_metric in durations.items():
        result[group] = {}
        for name, values in by_metric.items():
            ordered = sorted(v for v, _ in values)
            result[group][name] = {
                "count": len(ordered),
                "median_seconds": _microseconds(median(ordered)) if ordered else None,
                "p90_seconds": _microseconds(_percentile_90(ordered)) if ordered else None,
                "within_sla_share": (sum(1 for _, ok in values if ok) / len(values))
                if values
                else None,
            }
    return result


def response_times(qs: QuerySet[Incident], organisation: Organisation) -> dict[str, dict]:
    """TTA, TTFR and TTR of the incidents of `qs`: {"tta": {"count", "median_seconds",
    "p90_seconds", "within_sla_share"}, …}; one query."""
    if settings.IS_POSTGRES:
        return _shape(qs.order_by().aggregate(**_aggregates(organisation)))
    fields = ("severity", "detected_at", *(m.field for m in METRICS))
    rows = ((None, *row) for row in qs.order_by().values_list(*fields))
    return stats_of_durations(rows, organisation).get(None) or {
        m.name: empty_stats() for m in METRICS
    }


def response_times_by(
    qs: QuerySet[Incident], organisation: Organisation, *, group: Expression
) -> dict[Any, dict[str, dict]]:
    """The same figures per value of `group` (a month, a brand), in one grouped query; groups
    without incidents are absent."""
    grouped = qs.order_by().annotate(metric_group=group).values("metric_group")
    if settings.IS_POSTGRES:
        rows = grouped.order_by("metric_group").annotate(**_aggregates(organisation))
        return {row["metric_group"]: _shape(row) for row in rows}
    fields = ("severity", "detected_at", *(m.field for m in METRICS))
    return stats_of_durations(grouped.values_list("metric_group", *fields), organisation)


def incident_response_times(incident: Incident) -> dict[str, dict[str, Any]]:
    """One incident's TTA, TTFR and TTR: seconds (None until reached), the SLA target and
    whether it was met; what the post-mortem's prefill keeps."""
    result = {}
    for clock, state in sla_clocks(incident).items():
        seconds = (state.met_at - incident.detected_at).total_seconds() if state.met_at else None
        target = state.target_minutes * 60
        result[METRIC_OF_CLOCK[clock]] = {
            "seconds": seconds,
            "target_seconds": target,
            "within_sla": None if seconds is None else seconds <= target,
        }
    return result
