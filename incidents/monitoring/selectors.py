"""Reads of monitoring: mentions, rules, the per-minute counters behind detection and charts."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from incidents.models import OPEN_STATUSES, Incident, IncidentSource
from incidents.monitoring.models import (
    ImportPreset,
    Mention,
    MentionBucket,
    MentionImport,
    MentionLabel,
    MonitoringRule,
    OrganisationSentimentModel,
    RuleMeasure,
    SentimentLabel,
    SentimentModelState,
    Source,
)
from incidents.monitoring.sentiment.topics import crisis_phrases
from tenants.models import Brand, Membership

BASELINE_PERIOD = timedelta(days=7)


def mention_list(*, membership: Membership) -> QuerySet[Mention]:
    """The mentions a member may see: the organisation's, narrowed to a limited member's brands.

    A list row needs no other table, so a page costs one query at any size."""
    return Mention.objects.visible_to(membership)


def monitoring_rule_list(*, membership: Membership, brand_id: int) -> QuerySet[MonitoringRule]:
    return MonitoringRule.objects.visible_to(membership).filter(brand_id=brand_id).order_by("id")


def source_list(*, membership: Membership, brand_id: int | None = None) -> QuerySet[Source]:
    """The sources a member may see (their organisation's, within their brand limits)."""
    sources = Source.objects.visible_to(membership).select_related("brand").order_by("id")
    return sources if brand_id is None else sources.filter(brand_id=brand_id)


def mention_import_list(*, membership: Membership) -> QuerySet[MentionImport]:
    """The uploads a member may see (their organisation's, within their brand limits), newest
    first; the file's bytes are never read by a list."""
    return (
        MentionImport.objects.visible_to(membership)
        .select_related("brand")
        .defer("content")
        .order_by("-id")
    )


def import_preset_list(*, membership: Membership) -> QuerySet[ImportPreset]:
    """The organisation's saved column mappings, by name."""
    return ImportPreset.objects.visible_to(membership).order_by("name", "id")


def brand_for_ingest(*, ingest_id: uuid.UUID) -> Brand | None:
    """The brand behind a signed-ingest URL, unless its organisation was deleted."""
    return (
        Brand.objects.all_tenants()  # the ingest id names the brand, whoever's it is
        .select_related("organisation")
        .filter(ingest_id=ingest_id, organisation__deleted_at__isnull=True)
        .first()
    )


def brand_by_slugs(*, org_slug: str, brand_slug: str) -> Brand | None:
    """For management commands: a brand by its organisation's slug and its own."""
    return (
        Brand.objects.all_tenants()
        .select_related("organisation")
        .filter(organisation__slug=org_slug, slug=brand_slug, organisation__deleted_at__isnull=True)
        .first()
    )


def minute_floor(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def volume_window(*, window_minutes: int, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the window ending with the current minute, in whole minutes."""
    end = minute_floor(now) + timedelta(minutes=1)
    return end - timedelta(minutes=window_minutes), end


@dataclass(frozen=True, slots=True)
class VolumeReading:
    """A rule's window and baseline in its measure: negative mentions, or their summed reach."""

    window_start: datetime
    window_end: datetime
    window_negative: int
    baseline: float  # of the measure, per window over the baseline period
    measure: str = RuleMeasure.MENTIONS

    def crosses(self, rule: MonitoringRule) -> bool:
        if rule.min_negative is None:
            return False
        return (
            self.window_negative >= rule.min_negative
            and self.window_negative >= rule.multiplier * self.baseline
        )

    def as_dict(self) -> dict:
        return {
            "measure": self.measure,
            "window_negative": self.window_negative,
            "baseline": round(self.baseline, 3),
            "window_start": self.window_start.isoformat(),
        }


def volume_reading(*, rule: MonitoringRule, now: datetime) -> VolumeReading:
    """The rule's measure (negative mentions, or their summed reach) of its brand in its window
    and the baseline per window over the 7 days before it, from the per-minute counters in
    one query."""
    start, end = volume_window(window_minutes=rule.window_minutes, now=now)
    baseline_start = start - BASELINE_PERIOD
    counter = "negative_reach" if rule.measure == RuleMeasure.REACH else "negative"
    sums = MentionBucket.objects.filter(
        organisation_id=rule.organisation_id,
        brand_id=rule.brand_id,
        bucket_start__gte=baseline_start,
        bucket_start__lt=end,
    ).aggregate(
        window=Sum(counter, filter=Q(bucket_start__gte=start)),
        before=Sum(counter, filter=Q(bucket_start__lt=start)),
    )
    windows_in_baseline = BASELINE_PERIOD / timedelta(minutes=rule.window_minutes)
    return VolumeReading(
        window_start=start,
        window_end=end,
        window_negative=sums["window"] or 0,
        baseline=(sums["before"] or 0) / windows_in_baseline,
        measure=rule.measure,
    )


def _open_live_incidents(brand: Brand) -> QuerySet[Incident]:
    return Incident.objects.filter(
        organisation_id=brand.organisation_id,
        brand_id=brand.id,
        status__in=OPEN_STATUSES,
        is_drill=False,
    )


def open_incident_of_rule(*, brand: Brand, rule: MonitoringRule) -> Incident | None:
    """The brand's open live incident that belongs to the rule (the newest, if several: an
    older one reopened by hand), or None."""
    return _open_live_incidents(brand).filter(monitoring_rule_id=rule.id).order_by("-id").first()


def open_manual_incident_unclaimed(*, brand: Brand) -> Incident | None:
    """The brand's open live incident that staff opened by hand, first (the oldest), and that
    no rule has claimed yet: the crisis staff saw before monitoring did."""
    return (
        _open_live_incidents(brand)
        .filter(source=IncidentSource.MANUAL, monitoring_rule__isnull=True)
        .order_by("detected_at", "id")
        .first()
    )


def active_volume_rules() -> QuerySet[MonitoringRule]:
    """Every active rule with a volume trigger, of organisations that still exist."""
    return (
        MonitoringRule.objects.all_tenants()  # the periodic evaluation, every organisation
        .filter(active=True, min_negative__isnull=False, organisation__deleted_at__isnull=True)
        .select_related("brand")
        .order_by("id")
    )


MAX_CHART_POINTS = 500


def mention_stats(*, incident: Incident, now: datetime | None = None) -> dict:
    """Mention volume and negative share of the incident's brand around the incident.

    From two hours before detection to an hour after resolution (or now), per 10 minutes when
    that span is at most 12 hours, else per hour (or wider, to stay under 500 points). Read
    from the per-minute counters; drills have none of their own and show the live brand.
    """
    now = now or timezone.now()
    start = incident.detected_at - timedelta(hours=2)
    finished = incident.resolved_at or incident.closed_at
    end = min(finished + timedelta(hours=1), now) if finished else now
    end = max(end, incident.detected_at + timedelta(minutes=10))
    span = end - start
    if span <= timedelta(hours=12):
        step = timedelta(minutes=10)
    else:
        hours = max(1, int(span / timedelta(hours=1)) // MAX_CHART_POINTS + 1)
        step = timedelta(hours=hours)
    step_minutes = int(step / timedelta(minutes=1))
    # Align to the step so that points are stable between refreshes.
    epoch = datetime(2000, 1, 1, tzinfo=start.tzinfo)
    start = epoch + ((start - epoch) // step) * step
    buckets = MentionBucket.objects.filter(
        organisation_id=incident.organisation_id,
        brand_id=incident.brand_id,
        bucket_start__gte=start,
        bucket_start__lt=end,
    )
    if step_minutes < 60:
        rows = buckets.values_list("bucket_start", "total", "negative")
    else:
        rows = (
            buckets.annotate(hour=TruncHour("bucket_start"))
            .values("hour")
            .annotate(t=Sum("total"), n=Sum("negative"))
            .values_list("hour", "t", "n")
        )
    totals: dict[datetime, list[int]] = {}
    for moment, total, negative in rows:
        slot = epoch + ((moment - epoch) // step) * step
        counts = totals.setdefault(slot, [0, 0])
        counts[0] += total
        counts[1] += negative
    points: list[dict[str, Any]] = []
    slot = start
    while slot < end:
        total, negative = totals.get(slot, (0, 0))
        points.append(
            {
                "start": slot,
                "total": total,
                "negative": negative,
                "negative_share": round(negative / total, 4) if total else None,
            }
        )
        slot += step
    all_total = sum(p["total"] for p in points)
    all_negative = sum(p["negative"] for p in points)
    # The brand's usual volume: mentions per step over the 7 days before the chart starts.
    before = MentionBucket.objects.filter(
        organisation_id=incident.organisation_id,
        brand_id=incident.brand_id,
        bucket_start__gte=start - BASELINE_PERIOD,
        bucket_start__lt=start,
    ).aggregate(total=Sum("total"))["total"]
    return {
        "incident": incident.id,
        "baseline_total": round((before or 0) / (BASELINE_PERIOD / step), 2),
        "brand": incident.brand_id,
        "step_minutes": step_minutes,
        "start": start,
        "end": end,
        "total": all_total,
        "negative": all_negative,
        "negative_share": round(all_negative / all_total, 4) if all_total else None,
        "linked_mentions": Mention.objects.filter(
            organisation_id=incident.organisation_id, incident_id=incident.id
        ).count(),
        "points": points,
    }


def sentiment_model_status(*, membership: Membership) -> dict:
    """The organisation model as the API shows it: state, labels so far, whether it scores
    new mentions, when it was trained and the figures it was judged by."""
    organisation_id = membership.organisation_id
    row = (
        OrganisationSentimentModel.objects.filter(organisation_id=organisation_id)
        .defer("blob")
        .first()
    )
    labels = MentionLabel.objects.filter(organisation_id=organisation_id).count()
    if row is None:
        return {
            "state": SentimentModelState.NONE,
            "labels": labels,
            "active": False,
            "trained_at": None,
            "trained_on": 0,
            "version": 0,
            "error": "",
            "evaluation": {},
        }
    return {
        "state": row.state,
        "labels": labels,
        "active": row.active,
        "trained_at": row.trained_at,
        "trained_on": row.labels,
        "version": row.version,
        "error": row.error,
        "evaluation": row.evaluation,
    }


MAX_PHRASE_MENTIONS = 2000


def incident_phrases(*, incident: Incident, top: int = 8) -> list[dict]:
    """What the crisis is about: the phrases the incident's negative mentions share (Russian
    lemmatised), with counts and example posts; the widest-reaching 2,000 are read."""
    texts = list(
        Mention.objects.filter(
            organisation_id=incident.organisation_id,
            incident_id=incident.id,
            sentiment_label=SentimentLabel.NEGATIVE,
        )
        .order_by("-reach", "-id")
        .values_list("text", flat=True)[:MAX_PHRASE_MENTIONS]
    )
    return [phrase.as_dict() for phrase in crisis_phrases(texts, top=top)]
