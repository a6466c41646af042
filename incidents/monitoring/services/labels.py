"""Teaching: staff correct a mention's sentiment. The correction is the mention's label from
then on (source "human", never overwritten by a scorer) and a `MentionLabel` row keeps who and
when; the organisation model learns from those rows."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from crisisdesk.core.exceptions import DomainError
from incidents.monitoring.models import (
    Mention,
    MentionBucket,
    MentionLabel,
    SentimentLabel,
    SentimentSource,
)
from tenants.models import Membership, Role

MAX_LABELS_PER_REQUEST = 1000
# Who may correct a sentiment: the people who work mentions. Both doors (API and pages) refuse
# other roles by it, and client staff; the pages and templates ask `incidents.policies.may_label`.
LABEL_ROLE = Role.RESPONDER


class TooManyLabels(DomainError):
    status_code = 413
    code = "too_large"
    api_speaks_member_language = True


@dataclass(slots=True)
class LabelResult:
    labelled: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"labelled": self.labelled, "rejected": self.rejected}

    def reject(self, index: int, status: int, field: str, reason: str) -> None:
        self.rejected.append({"index": index, "status": status, "field": field, "reason": reason})


def _mention_id(value: Any) -> int | None:
    # Only what can be a primary key reaches the query (a 70-bit integer overflows it).
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    return None


def _bucket_adjust(changes: Sequence[tuple[Mention, str]]) -> None:
    """Keep the per-minute negative counters (what detection sums) true to the new labels.

    Counters go in (brand, minute) order, the order ingest locks them in (no deadlock)."""
    deltas: Counter[tuple[int, int, datetime]] = Counter()
    reach_deltas: Counter[tuple[int, int, datetime]] = Counter()
    for mention, before in changes:
        was = before == SentimentLabel.NEGATIVE
        now = mention.sentiment_label == SentimentLabel.NEGATIVE
        if was != now:
            minute = mention.posted_at.replace(second=0, microsecond=0)
            key = (mention.organisation_id, mention.brand_id, minute)
            deltas[key] += 1 if now else -1
            reach_deltas[key] += mention.reach if now else -mention.reach
    for key in sorted(deltas):
        organisation_id, brand_id, minute = key
        if deltas[key] or reach_deltas[key]:
            MentionBucket.objects.filter(
                organisation_id=organisation_id, brand_id=brand_id, bucket_start=minute
            ).update(
                negative=Greatest(F("negative") + deltas[key], 0),
                negative_reach=Greatest(F("negative_reach") + reach_deltas[key], 0),
            )


def mention_labels_apply(
    *,
    by: Membership,
    items: Sequence[Any],
    now: datetime | None = None,
) -> LabelResult:
    """Set the sentiment of mentions the member sees to what staff say it is.

    Each item is `{"id": <mention id>, "sentiment": "negative"|"neutral"|"positive"}`. Refused
    per item, with its index, never stopping the others: a malformed item (400), a sentiment
    that is not one of the three (400), an id that is unknown, another organisation's or
    outside the member's brands (404, one answer for all three). Within a request the last
    item for a mention wins. Refuses more than MAX_LABELS_PER_REQUEST items (413). The caller
    checks `incidents.policies.may_label` (viewers and client staff may not label). Labelling a
    mention again updates who and when; the scorer's verdict before the first correction is
    kept.
    """
    if len(items) > MAX_LABELS_PER_REQUEST:
        raise TooManyLabels(
            gettext_lazy("At most %(limit)d labels per request."),
            params={"limit": MAX_LABELS_PER_REQUEST},
            limit=MAX_LABELS_PER_REQUEST,
        )
    now = now or timezone.now()
    result = LabelResult()
    wanted: dict[int, tuple[int, str]] = {}  # mention id -> (index, sentiment)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            result.reject(index, 400, "non_field_errors", str(_("Must be an object.")))
            continue
        mention_id = _mention_id(item.get("id"))
        if mention_id is None:
            result.reject(index, 400, "id", str(_("Must be a mention id.")))
            continue
        sentiment = item.get("sentiment")
        if sentiment not in SentimentLabel.values:
            result.reject(index, 400, "sentiment", str(_("Must be negative, neutral or positive.")))
            continue
        wanted[mention_id] = (index, sentiment)
    if not wanted:
        return result

    with transaction.atomic():
        # Locked in id order: two label requests (or a label and a re-ingest) sharing
        # mentions queue behind each other instead of deadlocking.
        mentions = list(
            Mention.objects.visible_to(by)
            .filter(id__in=wanted)
            .select_for_update(of=("self",))
            .order_by("id")
        )
        found = {m.id for m in mentions}
        for mention_id, (index, _sentiment) in wanted.items():
            if mention_id not in found:
                result.reject(index, 404, "id", str(_("No such mention.")))
        changes: list[tuple[Mention, str]] = []
        records = []
        for mention in mentions:
            before = mention.sentiment_label
            records.append(
                MentionLabel(
                    organisation_id=mention.organisation_id,
                    brand_id=mention.brand_id,
                    mention=mention,
                    sentiment=wanted[mention.id][1],
                    scored_label=before,
                    scored_source=mention.sentiment_source,
                    labelled_by=by.user,
                    labelled_at=now,
                )
            )
            mention.sentiment_label = wanted[mention.id][1]
            mention.sentiment_source = SentimentSource.HUMAN
            mention.updated_at = now
            changes.append((mention, before))
        Mention.objects.visible_to(by).bulk_update(
            mentions, ["sentiment_label", "sentiment_source", "updated_at"]
        )
        # The first correction's scored_* stay: a conflict updates only who, when and what.
        MentionLabel.objects.bulk_create(
            records,
            update_conflicts=True,
            unique_fields=["mention"],
            update_fields=["sentiment", "labelled_by", "labelled_at"],
        )
        _bucket_adjust(changes)
    result.labelled = len(mentions)
    result.rejected.sort(key=lambda r: r["index"])
    result.mentions = mentions
    return result
