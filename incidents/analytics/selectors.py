"""Reads of analytics and the dashboard, scoped to the member's organisation and brands.

The analytics overview is computed by the database (aggregations, no loop over incidents).

Medians and 90th percentiles use PostgreSQL's percentile_cont; on SQLite, which has no
percentile aggregate, they are computed from one query's durations (the embedded mode's
data is small; CI and production run PostgreSQL). The dashboard reads: mention volume per
brand over the last days, and my overdue action items.
"""

from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

from django.conf import settings
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from incidents.models import Incident
from incidents.monitoring.models import Mention, MentionBucket, SentimentLabel
from incidents.postmortems.models import ActionItem, ActionItemStatus
from incidents.selectors import _percentile_90
from tenants.models import Membership, Severity
from tenants.selectors import brand_list

MILESTONES = {"tta": "acknowledged_at", "ttfr": "first_response_at", "ttr": "resolved_at"}
SLA_KIND = {"tta": "acknowledge", "ttfr": "first_response", "ttr": "resolve"}


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


def _scoped(
    membership: Membership,
    *,
    date_from: datetime | None,
    date_to: datetime | None,
    brand_id: int | None,
    drills: bool,
) -> QuerySet[Incident]:
    qs = Incident.objects.visible_to(membership)
    if not drills:
        qs = qs.filter(is_drill=False)
    if date_from:
        qs = qs.filter(detected_at__gte=date_from)
    if date_to:
        qs = qs.filter(detected_at__lt=date_to)
    if brand_id:
        qs = qs.filter(brand_id=brand_id)
    return qs


def _target_seconds(membership: Membership, kind: str) -> Case:
    organisation = membership.organisation
    return Case(
        *[
            When(severity=sev, then=Value(float(organisation.sla_minutes(sev, kind) * 60)))
            for sev in Severity.values
        ],
        output_field=FloatField(),
    )


def _response_times_by_month(
    qs: QuerySet[Incident], membership: Membership
) -> list[dict[str, Any]]:
    monthly = qs.annotate(month=TruncMonth("detected_at")).values("month").order_by("month")
    if settings.IS_POSTGRES:
        aggregates: dict[str, Any] = {}
        for name, field in MILESTONES.items():
            seconds = EpochSeconds(F(field), F("detected_at"))
            reached = Q(**{f"{field}__isnull": False})
            aggregates[f"{name}_count"] = Count("id", filter=reached)
            aggregates[f"{name}_median"] = Percentile(seconds, 0.5, filter=reached)
            aggregates[f"{name}_p90"] = Percentile(seconds, 0.9, filter=reached)
            aggregates[f"{name}_within"] = Avg(
                Case(
                    When(
                        LessThanOrEqual(seconds, _target_seconds(membership, SLA_KIND[name])),
                        then=Value(1.0),
                    ),
                    default=Value(0.0),
                    output_field=FloatField(),
                ),
                filter=reached,
            )
        rows = list(monthly.annotate(**aggregates))
    else:
        rows = _sqlite_response_times(qs, membership)
    result = []
    for row in rows:
        entry: dict[str, Any] = {
            "month": row["month"].date().isoformat()[:7]
            if isinstance(row["month"], datetime)
            else str(row["month"])[:7]
        }
        for name in MILESTONES:
            entry[name] = {
                "count": row[f"{name}_count"],
                "median_seconds": row[f"{name}_median"],
                "p90_seconds": row[f"{name}_p90"],
                "within_sla_share": row[f"{name}_within"],
                "target_seconds_sev1": membership.organisation.sla_minutes("sev1", SLA_KIND[name])
                * 60,
            }
        result.append(entry)
    return result


def _sqlite_response_times(qs: QuerySet[Incident], membership: Membership) -> list[dict[str, Any]]:
    # SQLite has no percentile aggregate: one query, then figures per month in Python.
    by_month: dict[Any, dict[str, list[tuple[float, bool]]]] = {}
    rows = qs.annotate(month=TruncMonth("detected_at")).values_list(
        "month", "severity", "detected_at", *MILESTONES.values()
    )
    for month, severity, detected_at, *reached in rows:
        bucket = by_month.setdefault(month, {name: [] for name in MILESTONES})
        for name, at in zip(MILESTONES, reached, strict=True):
            if at is not None:
                seconds = (at - detected_at).total_seconds()
                bucket[name].append(
                    (
                        seconds,
                        seconds
                        <= membership.organisation.sla_minutes(severity, SLA_KIND[name]) * 60,
                    )
                )
    result = []
    for month in sorted(by_month):
        row: dict[str, Any] = {"month": month}
        for name, values in by_month[month].items():
            seconds = sorted(v for v, _ in values)
            row[f"{name}_count"] = len(seconds)
            row[f"{name}_median"] = median(seconds) if seconds else None
            row[f"{name}_p90"] = _percentile_90(seconds) if seconds else None
            row[f"{name}_within"] = (sum(ok for _, ok in values) / len(values)) if values else None
        result.append(row)
    return result


def analytics_overview(
    *,
    membership: Membership,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    brand_id: int | None = None,
    drills: bool = False,
) -> dict[str, Any]:
    qs = _scoped(membership, date_from=date_from, date_to=date_to, brand_id=brand_id, drills=drills)
    by_brand = list(
        qs.values("brand_id", "brand__name")
        .annotate(count=Count("id"))
        .order_by("-count", "brand__name")
    )
    by_severity = list(qs.values("severity").annotate(count=Count("id")).order_by("severity"))
    by_type = list(
        qs.values("crisis_type").annotate(count=Count("id")).order_by("-count", "crisis_type")
    )
    by_month = [
        {
            "month": row["month"].date().isoformat()[:7]
            if isinstance(row["month"], datetime)
            else str(row["month"])[:7],
            "count": row["count"],
        }
        for row in qs.annotate(month=TruncMonth("detected_at"))
        .values("month")
        .annotate(count=Count("id"))
        .order_by("month")
    ]
    recurring = list(
        qs.exclude(crisis_type="")
        .values("brand__name", "crisis_type")
        .annotate(count=Count("id"))
        .filter(count__gte=2)
        .order_by("-count", "brand__name")
    )
    today: date = timezone.now().date()
    items = ActionItem.objects.visible_to(membership).filter(
        postmortem__incident__in=qs.values("id")
    )
    action_items = items.aggregate(
        open=Count("id", filter=Q(status=ActionItemStatus.OPEN)),
        done=Count("id", filter=Q(status=ActionItemStatus.DONE)),
        dropped=Count("id", filter=Q(status=ActionItemStatus.DROPPED)),
        overdue=Count("id", filter=Q(status=ActionItemStatus.OPEN, due_date__lt=today)),
    )
    mentions = Mention.objects.visible_to(membership)
    if brand_id:
        mentions = mentions.filter(brand_id=brand_id)
    if date_from:
        mentions = mentions.filter(posted_at__gte=date_from)
    if date_to:
        mentions = mentions.filter(posted_at__lt=date_to)
    mention_days = [
        {
            "day": str(row["day"]),
            "brand": row["brand__name"],
            "total": row["total"],
            "negative": row["negative"],
            "positive": row["positive"],
            "mean_sentiment": round(row["mean_sentiment"], 4)
            if row["mean_sentiment"] is not None
            else None,
        }
        for row in mentions.annotate(day=TruncDate("posted_at"))
        .values("day", "brand__name")
        .annotate(
            total=Count("id"),
            negative=Count("id", filter=Q(sentiment_label=SentimentLabel.NEGATIVE)),
            positive=Count("id", filter=Q(sentiment_label=SentimentLabel.POSITIVE)),
            mean_sentiment=Avg("sentiment_score"),
        )
        .order_by("day", "brand__name")
    ]
    return {
        "incidents": {
            "total": qs.count(),
            "by_brand": [
                {"brand_id": r["brand_id"], "brand": r["brand__name"], "count": r["count"]}
                for r in by_brand
            ],
            "by_severity": by_severity,
            "by_crisis_type": by_type,
            "by_month": by_month,
            "recurring_crisis_types": [
                {"brand": r["brand__name"], "crisis_type": r["crisis_type"], "count": r["count"]}
                for r in recurring
            ],
        },
        "response_times_by_month": _response_times_by_month(qs, membership),
        "action_items": action_items,
        "mentions_by_day": mention_days,
    }


VOLUME_DAYS = 7


def mention_volume_by_brand(
    *, membership: Membership, now: datetime | None = None, days: int = VOLUME_DAYS
) -> list[dict[str, Any]]:
    """Per brand the member may see: one point per day of the last `days` days (today
    included, days in the current time zone) with total and negative mentions.

    Read from the per-minute MentionBucket counters (one grouped query), not from mentions.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first_day, datetime.min.time()))
    brands = list(brand_list(membership=membership).order_by("name", "id").only("id", "name"))
    rows = (
        MentionBucket.objects.visible_to(membership)
        .filter(
            brand_id__in=[b.id for b in brands],
            bucket_start__gte=start,
            bucket_start__lte=now,
        )
        .annotate(day=TruncDate("bucket_start", tzinfo=timezone.get_current_timezone()))
        .values("brand_id", "day")
        .annotate(total=Sum("total"), negative=Sum("negative"))
    )
    counts: dict[tuple[int, date], tuple[int, int]] = {
        (r["brand_id"], r["day"]): (r["total"], r["negative"]) for r in rows
    }
    day_list = [first_day + timedelta(days=i) for i in range(days)]
    result = []
    for brand in brands:
        points = []
        for day in day_list:
            total, negative = counts.get((brand.id, day), (0, 0))
            points.append(
                {
                    "day": day,
                    "total": total,
                    "negative": negative,
                    "negative_share": round(negative / total, 4) if total else None,
                }
            )
        total = sum(p["total"] for p in points)
        negative = sum(p["negative"] for p in points)
        result.append(
            {
                "brand": brand,
                "points": points,
                "total": total,
                "negative": negative,
                "negative_share": round(negative / total, 4) if total else None,
            }
        )
    return result


def my_overdue_action_items(*, membership: Membership) -> QuerySet[ActionItem]:
    """Open action items owned by the member, past their due date, on post-mortems of the
    brands they may see."""
    return (
        ActionItem.objects.visible_to(membership)
        .filter(owner=membership, status=ActionItemStatus.OPEN, due_date__lt=timezone.localdate())
        .select_related("postmortem__incident")
        .order_by("due_date", "id")
    )
