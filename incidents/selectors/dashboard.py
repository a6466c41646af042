"""Reads of the dashboard: mention volume per brand over the last days, and my overdue
action items. Scoped to the member's organisation and brands."""

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from incidents.models import ActionItem, ActionItemStatus, MentionBucket
from tenants.models import Membership
from tenants.selectors import brand_list, limited_brand_ids

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
        MentionBucket.objects.filter(
            organisation_id=membership.organisation_id,
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
    qs = ActionItem.objects.filter(
        organisation_id=membership.organisation_id,
        owner=membership,
        status=ActionItemStatus.OPEN,
        due_date__lt=timezone.localdate(),
    ).select_related("postmortem__incident")
    ids = limited_brand_ids(membership)
    if ids is not None:
        qs = qs.filter(postmortem__incident__brand_id__in=ids)
    return qs.order_by("due_date", "id")
