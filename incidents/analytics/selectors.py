"""Reads of analytics and the dashboard, scoped to the member's organisation and brands.

The analytics overview is computed by the database (aggregations, no loop over incidents).

Response times come from incidents.metrics (one grouped aggregate). The dashboard reads:
mention volume per brand over the last days, and my overdue action items.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncHour, TruncMonth
from django.utils import timezone

from incidents.metrics import METRICS, response_times_by
from incidents.models import Incident
from incidents.monitoring.models import Mention, MentionBucket, SentimentLabel
from incidents.postmortems.models import ActionItem, ActionItemStatus
from incidents.selectors import incidents_in_period
from tenants.models import Membership
from tenants.selectors import brand_list


def _response_times_by_month(
    qs: QuerySet[Incident], membership: Membership
) -> list[dict[str, Any]]:
    organisation = membership.organisation
    by_month = response_times_by(qs, organisation, group=TruncMonth("detected_at"))
    result = []
    for month in sorted(by_month):
        entry: dict[str, Any] = {
            "month": month.date().isoformat()[:7] if isinstance(month, datetime) else str(month)[:7]
        }
        for m in METRICS:
            entry[m.name] = {
                **by_month[month][m.name],
                "target_seconds_sev1": organisation.sla_minutes("sev1", m.clock) * 60,
            }
        result.append(entry)
    return result


# Alike selectors.py:response_time_metrics on purpose: the same period filters as keyword
# arguments (both pass them to incidents_in_period), each report its own extra filter.
def analytics_overview(
    *,
    membership: Membership,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    brand_id: int | None = None,
    drills: bool = False,
) -> dict[str, Any]:
    qs = incidents_in_period(
        membership, date_from=date_from, date_to=date_to, brand_id=brand_id, drills=drills
    )
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
    *,
    membership: Membership,
    now: datetime | None = None,
    days: int = VOLUME_DAYS,
    hours: int | None = None,
) -> list[dict[str, Any]]:
    """Per brand the member may see: one point per day of the last `days` days (today
    included, days in the current time zone), or with `hours` one point per hour of the last
    `hours` hours (this hour included), with total and negative mentions. Each point has its
    `start` and `end` (aware datetimes) besides its `day` (a date, or the hour's start).

    Read from the per-minute MentionBucket counters (one grouped query), not from mentions.
    """
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    if hours:
        this_hour = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
        slots: list[date] = [this_hour - timedelta(hours=hours - 1 - i) for i in range(hours)]
        bounds = [(slot, slot + timedelta(hours=1)) for slot in slots]
        trunc: Any = TruncHour("bucket_start", tzinfo=zone)
    else:
        today = timezone.localdate(now)
        first_day = today - timedelta(days=days - 1)
        slots = [first_day + timedelta(days=i) for i in range(days)]
        bounds = [
            (
                timezone.make_aware(datetime.combine(day, datetime.min.time())),
                timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time())),
            )
            for day in slots
        ]
        trunc = TruncDate("bucket_start", tzinfo=zone)
    start = bounds[0][0]
    brands = list(brand_list(membership=membership).order_by("name", "id").only("id", "name"))
    rows = (
        MentionBucket.objects.visible_to(membership)
        .filter(
            brand_id__in=[b.id for b in brands],
            bucket_start__gte=start,
            bucket_start__lte=now,
        )
        .annotate(day=trunc)
        .values("brand_id", "day")
        .annotate(total=Sum("total"), negative=Sum("negative"))
    )
    counts: dict[tuple[int, Any], tuple[int, int]] = {
        (r["brand_id"], r["day"]): (r["total"], r["negative"]) for r in rows
    }
    result = []
    for brand in brands:
        points: list[dict[str, Any]] = []
        for slot, (slot_start, slot_end) in zip(slots, bounds, strict=True):
            total, negative = counts.get((brand.id, slot), (0, 0))
            points.append(
                {
                    "day": slot,
                    "start": slot_start,
                    "end": slot_end,
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
