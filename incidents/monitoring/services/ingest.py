"""Mention ingest: sentiment, the idempotent bulk upsert and the detection counters (an
item's validation is in items, the signed endpoint's check in signed_ingest)."""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import DomainError
from incidents.monitoring.models import (
    Mention,
    MentionBucket,
    MonitoringRule,
    SentimentLabel,
    SentimentSource,
)
from incidents.monitoring.sentiment import analyse
from incidents.monitoring.services import detection
from incidents.monitoring.services.detection import IngestedMention
from incidents.monitoring.services.items import (
    ItemRejected,
    item_brand_id,
    mention_item_clean,
    required,
)
from incidents.monitoring.services.sentiment_model import organisation_scorer
from tenants.models import Brand, Membership

MAX_ITEMS_PER_REQUEST = 1000
UPSERT_BATCH = 1000
_UPDATE_FIELDS = [
    "text",
    "reach",
    "author",
    "url",
    "sentiment_score",
    "sentiment_label",
    "sentiment_source",
    "language",
    # Derived from the text, so they follow it when the text changes.
    "flagged",
    "matched_keywords",
    "updated_at",
]


# Alike labels.py:TooManyLabels on purpose: each door refuses its own oversized batch; callers
# and tests catch them apart.
class TooManyItems(DomainError):
    status_code = 413
    code = "too_large"
    api_speaks_member_language = True


@dataclass(slots=True)
class IngestResult:
    created: int = 0
    updated: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    mention_ids: list[int] = field(default_factory=list)
    incidents_opened: list[int] = field(default_factory=list)
    incidents_linked: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "rejected": sorted(self.rejected, key=lambda r: r["index"]),
            "duplicates": sorted(self.duplicates, key=lambda r: r["index"]),
            "incidents_opened": self.incidents_opened,
            "incidents_linked": self.incidents_linked,
        }


def _analyser_language(language: str) -> str | None:
    if not language:
        return None  # detect
    base = language.split("-", 1)[0]
    return base if base in ("ru", "en") else "other"


def _buckets_increment(*, brand: Brand, mentions: Sequence[IngestedMention]) -> None:
    """Add new mentions to their per-minute counters with one statement.

    INSERT … ON CONFLICT DO UPDATE adds to the stored counts atomically (PostgreSQL and
    SQLite ≥ 3.24), so concurrent ingests never lose an increment. Rows go in bucket order so
    that two concurrent batches lock shared buckets in the same order (no deadlock).
    """
    totals: Counter[datetime] = Counter()
    negatives: Counter[datetime] = Counter()
    negative_reach: Counter[datetime] = Counter()
    for mention in mentions:
        minute = mention.posted_at.replace(second=0, microsecond=0)
        totals[minute] += 1
        if mention.sentiment_label == SentimentLabel.NEGATIVE:
            negatives[minute] += 1
            negative_reach[minute] += mention.reach
    if not totals:
        return
    table = connection.ops.quote_name(MentionBucket._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    for minute in sorted(totals):
        params += [
            brand.organisation_id,
            brand.id,
            adapt(minute),
            totals[minute],
            negatives[minute],
            negative_reach[minute],
        ]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(totals))
    sql = (
        f"INSERT INTO {table} (organisation_id, brand_id, bucket_start, total, negative, "  # noqa: S608 (table name from the model, values bound)
        f"negative_reach) VALUES {values} "
        "ON CONFLICT (organisation_id, brand_id, bucket_start) DO UPDATE SET "
        f"total = {table}.total + excluded.total, negative = {table}.negative + excluded.negative, "
        f"negative_reach = {table}.negative_reach + excluded.negative_reach"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


_UNIQUE_COLUMNS = "organisation_id, brand_id, platform, external_id"
# Alike api.py:MentionSerializer on purpose: the columns COPY writes, not the API's fields.
_COPY_COLUMNS = (
    "organisation_id",
    "brand_id",
    "platform",
    "external_id",
    "author",
    "text",
    "url",
    "language",
    "posted_at",
    "reach",
    "sentiment_score",
    "sentiment_label",
    "sentiment_source",
    "flagged",
    "matched_keywords",
    "created_at",
    "updated_at",
)


_HUMAN_KEEPS = ("sentiment_score", "sentiment_label", "sentiment_source")


def _update_expression(table: str, name: str) -> str:
    """A conflict's update of one column: a label staff gave is never overwritten by a
    scorer, even by a re-ingest racing with the correction (the row lock decides)."""
    if name in _HUMAN_KEEPS:
        return (
            f"{name} = CASE WHEN {table}.sentiment_source = '{SentimentSource.HUMAN}' "
            f"THEN {table}.{name} ELSE EXCLUDED.{name} END"
        )
    return f"{name} = EXCLUDED.{name}"


def _upsert_postgresql(*, brand: Brand, rows: list[IngestedMention], now: datetime) -> None:
    """COPY the batch into a session temp table, then one INSERT … SELECT … ON CONFLICT DO
    UPDATE … RETURNING. Same statement semantics as bulk_create(update_conflicts=True), at a
    quarter of the cost: Django's per-value compilation and psycopg's array dumping cost 3-4
    times the database work for 1,000 rows. RETURNING also tells, exactly and even under
    concurrent ingests, which rows were new (xmax = 0) and which incident each one has."""
    table = connection.ops.quote_name(Mention._meta.db_table)
    columns = ", ".join(_COPY_COLUMNS)
    updates = ", ".join(_update_expression(table, name) for name in _UPDATE_FIELDS)
    with connection.cursor() as cursor:
        # Created once per connection; emptied here because an outer transaction may run
        # several ingests before ON COMMIT would clear it.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS mention_upsert (LIKE {table} INCLUDING IDENTITY) "
            "ON COMMIT DELETE ROWS; TRUNCATE mention_upsert"
        )
        with cursor.cursor.copy(f"COPY mention_upsert ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    (
                        brand.organisation_id,
                        brand.id,
                        row.platform,
                        row.external_id,
                        row.author,
                        row.text,
                        row.url,
                        row.language,
                        row.posted_at,
                        row.reach,
                        row.sentiment_score,
                        row.sentiment_label,
                        row.sentiment_source,
                        row.flagged,
                        json.dumps(row.matched_keywords, ensure_ascii=False),
                        now,
                        now,
                    )
                )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 (names from the model, values copied)
            f"SELECT {columns} FROM mention_upsert ORDER BY platform, external_id "
            f"ON CONFLICT ({_UNIQUE_COLUMNS}) DO UPDATE SET {updates} "
            "RETURNING id, platform, external_id, incident_id, (xmax = 0)"
        )
        returned = {(p, e): (pk, inc, new) for pk, p, e, inc, new in cursor.fetchall()}
    for row in rows:
        row.pk, row.incident_id, row.created = returned[(row.platform, row.external_id)]


def _upsert_bulk_create(*, brand: Brand, rows: list[IngestedMention]) -> None:
    """SQLite (and any other backend): bulk_create(update_conflicts=True) in batches, after
    one query for which rows exist. SQLite runs one writer at a time, so that read is exact."""
    by_key = {(row.platform, row.external_id): row for row in rows}
    existing: dict[tuple[str, str], int | None] = {}
    for platform, external_id, incident_id, source, score, label in Mention.objects.filter(
        organisation_id=brand.organisation_id,
        brand_id=brand.id,
        platform__in={row.platform for row in rows},
        external_id__in={row.external_id for row in rows},
    ).values_list(
        "platform",
        "external_id",
        "incident_id",
        "sentiment_source",
        "sentiment_score",
        "sentiment_label",
    ):
        existing[(platform, external_id)] = incident_id
        if source == SentimentSource.HUMAN:  # staff's label stays (one writer: exact)
            kept = by_key[(platform, external_id)]
            kept.sentiment_source, kept.sentiment_score, kept.sentiment_label = (
                source,
                score,
                label,
            )
    objects = [
        Mention(
            organisation_id=brand.organisation_id,
            brand_id=brand.id,
            platform=row.platform,
            external_id=row.external_id,
            author=row.author,
            text=row.text,
            url=row.url,
            language=row.language,
            posted_at=row.posted_at,
            reach=row.reach,
            sentiment_score=row.sentiment_score,
            sentiment_label=row.sentiment_label,
            sentiment_source=row.sentiment_source,
            flagged=row.flagged,
            matched_keywords=row.matched_keywords,
        )
        for row in rows
    ]
    for start in range(0, len(objects), UPSERT_BATCH):
        Mention.objects.bulk_create(
            objects[start : start + UPSERT_BATCH],
            update_conflicts=True,
            unique_fields=["organisation", "brand", "platform", "external_id"],
            update_fields=_UPDATE_FIELDS,
        )
    for row, stored in zip(rows, objects, strict=True):
        key = (row.platform, row.external_id)
        row.pk = stored.pk
        row.created = key not in existing
        row.incident_id = existing.get(key)


Key = tuple[str, str]


@dataclass(slots=True)
class _Batch:
    """One brand's valid items of a request, by (platform, external_id), the last copy kept.

    `first_at` may come from the caller and outlive the batch (a CSV import's earlier
    batches): a key stored by an earlier call is a duplicate here too, not an update."""

    brand: Brand
    cleaned: dict[Key, dict[str, Any]] = field(default_factory=dict)
    first_at: dict[Key, int] = field(default_factory=dict)
    earlier: int = 0  # keys of this batch stored by an earlier call with the same first_at

    def add(self, clean: dict[str, Any], index: int, result: IngestResult) -> None:
        key = (clean["platform"], clean["external_id"])
        first = self.first_at.setdefault(key, index)
        if first != index:
            result.duplicates.append(
                {
                    "index": index,
                    "duplicate_of": first,
                    "reason": _(
                        "Repeats an earlier item with the same platform and external_id; "
                        "the last copy is stored."
                    ),
                }
            )
            if key not in self.cleaned:
                self.earlier += 1
        self.cleaned[key] = clean


def _reject(result: IngestResult, index: int, field_name: str, reason: str) -> None:
    result.rejected.append({"index": index, "field": field_name, "reason": reason})


def _clean_into(
    batch: _Batch, item: Any, index: int, result: IngestResult, *, now: datetime
) -> None:
    """One item cleaned into its brand's batch, or refused with its index."""
    try:
        clean = mention_item_clean(item, now=now)
    except ItemRejected as exc:
        _reject(result, index, exc.field, exc.reason)
        return
    batch.add(clean, index, result)


def _store(*, batch: _Batch, now: datetime, result: IngestResult) -> None:
    """Score and upsert one brand's valid items, count the new ones, run detection. Runs
    inside the caller's transaction."""
    brand = batch.brand
    rules = list(
        MonitoringRule.objects.filter(
            organisation_id=brand.organisation_id, brand_id=brand.id, active=True
        ).order_by("id")
    )
    matchers = detection.keyword_matchers(rules)
    rows: list[IngestedMention] = []
    keyword_hits: dict[int, list[tuple[IngestedMention, list[str]]]] = {}
    # Sorted keys: concurrent batches lock the rows they share in the same order.
    keys = sorted(batch.cleaned)
    verdicts = [
        analyse(
            batch.cleaned[key]["text"], language=_analyser_language(batch.cleaned[key]["language"])
        )
        for key in keys
    ]
    # The organisation's own model, when it beat the default analyser on its labels, scores
    # the whole batch at once (one sparse matrix: per-item calls would cost 20x more).
    scorer = organisation_scorer(organisation_id=brand.organisation_id)
    if scorer is not None:
        scored = scorer.predict([batch.cleaned[key]["text"] for key in keys], verdicts)
        source = SentimentSource.ORGANISATION
    else:
        scored = [(verdict.label, round(verdict.score, 4)) for verdict in verdicts]
        source = SentimentSource.DEFAULT
    for key, verdict, (label, score) in zip(keys, verdicts, scored, strict=True):
        clean = batch.cleaned[key]
        row = IngestedMention(
            platform=clean["platform"],
            external_id=clean["external_id"],
            author=clean["author"],
            text=clean["text"],
            url=clean["url"],
            language=clean["language"] or verdict.language,
            posted_at=clean["posted_at"],
            reach=clean["reach"],
            sentiment_score=score,
            sentiment_label=label,
            sentiment_source=source,
        )
        if matchers:
            for rule, hits in detection.keywords_in(matchers, clean["text"]):
                keyword_hits.setdefault(rule.id, []).append((row, hits))
                row.matched_keywords.extend(h for h in hits if h not in row.matched_keywords)
            row.flagged = bool(row.matched_keywords)
        rows.append(row)

    if connection.vendor == "postgresql":
        _upsert_postgresql(brand=brand, rows=rows, now=timezone.now())
    else:
        _upsert_bulk_create(brand=brand, rows=rows)
    created = [row for row in rows if row.created]
    _buckets_increment(brand=brand, mentions=created)
    outcome = detection.batch_detect(
        brand=brand,
        rules=rules,
        keyword_hits=keyword_hits,
        new_mentions=created,
        now=now,
    )
    result.created += len(created)
    # A row an earlier call of the same run stored is counted once, as that call counted it.
    result.updated += len(rows) - len(created) - batch.earlier
    for row in rows:
        assert row.pk is not None  # the upsert gave every row its pk
        result.mention_ids.append(row.pk)
    result.incidents_opened.extend(outcome.opened)
    for incident_id in outcome.linked:
        if incident_id not in result.incidents_linked:
            result.incidents_linked.append(incident_id)


def _store_all(*, batches: Sequence[_Batch], now: datetime, result: IngestResult) -> None:
    """Every brand's accepted items in ONE transaction: a request is stored whole or not at
    all. Brands in id order, so two concurrent requests lock shared rows in the same order."""
    batches = sorted((b for b in batches if b.cleaned), key=lambda b: b.brand.id)
    if not batches:
        return
    with transaction.atomic():
        for batch in batches:
            _store(batch=batch, now=now, result=result)


def mention_ingest(
    *,
    brand: Brand,
    items: Sequence[Any],
    now: datetime | None = None,
    positions: Sequence[int] | None = None,
    seen: dict[tuple[str, str], int] | None = None,
) -> IngestResult:
    """Store a batch of one brand's mentions: idempotent on (platform, external_id).

    Valid items are scored (sentiment, rule keywords) and upserted in bulk in one
    transaction; a mention sent again updates its text, reach, author, url, language and
    sentiment and counts as updated. An item repeated within the batch is reported in
    `duplicates` (its index and the first copy's) and the last copy is stored. Invalid
    items are refused one by one with their index (or `positions[i]`, e.g. a CSV line
    number), field and reason; they never stop the valid ones. `seen` carries the stored
    keys and their first positions from call to call (a file ingested in batches), so a
    repeat in a later batch is a duplicate too. New mentions feed the
    per-minute counters, then detection runs in the same transaction, so the request that
    crosses a threshold opens the incident.
    """
    now = now or timezone.now()
    result = IngestResult()
    batch = _Batch(brand=brand) if seen is None else _Batch(brand=brand, first_at=seen)
    for i, item in enumerate(items):
        index = positions[i] if positions is not None else i
        _clean_into(batch, item, index, result, now=now)
    _store_all(batches=[batch], now=now, result=result)
    return result


def _refuse_too_many(items: Sequence[Any]) -> None:
    if len(items) > MAX_ITEMS_PER_REQUEST:
        raise TooManyItems(
            gettext_lazy("At most %(limit)d mentions per request."),
            params={"limit": MAX_ITEMS_PER_REQUEST},
            limit=MAX_ITEMS_PER_REQUEST,
        )


def mention_ingest_signed(*, brand: Brand, items: Sequence[Any]) -> IngestResult:
    """The signed endpoint's ingest: at most MAX_ITEMS_PER_REQUEST items (413), then
    `mention_ingest`."""
    _refuse_too_many(items)
    return mention_ingest(brand=brand, items=items)


def mention_ingest_for_member(
    *, by: Membership, items: Sequence[Any], now: datetime | None = None
) -> IngestResult:
    """The API's bulk ingest: each item names its brand, which must be one the member sees.

    Refuses more than MAX_ITEMS_PER_REQUEST items (413). Each item is validated by
    `mention_item_clean`, an unknown brand (another organisation's reads the same) refused
    with its index; the accepted items of every brand are stored in one transaction.
    """
    _refuse_too_many(items)
    now = now or timezone.now()
    brand_ids = {brand_id for item in items if (brand_id := item_brand_id(item)) is not None}
    batches = {
        brand.id: _Batch(brand=brand)
        for brand in Brand.objects.visible_to(by).filter(id__in=brand_ids)
    }

    result = IngestResult()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            _reject(result, index, "non_field_errors", _("Must be an object."))
            continue
        if item.get("brand") is None:
            _reject(result, index, "brand", required())
            continue
        batch = batches.get(item_brand_id(item))  # type: ignore[arg-type]
        if batch is None:
            # Another organisation's brand reads exactly like a missing one.
            _reject(result, index, "brand", _("Unknown brand."))
            continue
        _clean_into(batch, item, index, result, now=now)
    _store_all(batches=list(batches.values()), now=now, result=result)
    return result
