"""Sources: a brand's collectors, configured, polled and kept healthy.

A poll is claimed before it runs: one conditional UPDATE sets `claimed_until` (a lease) only
where no lease is live, so two workers (the beat's dispatch and a "poll now", or two beats)
never poll one source at once; a crashed worker's lease simply expires. Each page the collector
returns is ingested by `mention_ingest` in the same transaction that stores the page's cursor:
a crash between two pages loses nothing and fetches nothing twice.

A failed poll puts the source in `error` with the collector's message in both languages and
backs off (the service's Retry-After when it gave one, otherwise doubling the interval up to
six hours); a rate limit is not a failure, only a wait. SOURCE_FAILURE_ALERT_AFTER failures
in a row tell the managers once.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _

from crisisdesk.core.encryption import DecryptionFailed, decrypt_json, encrypt_json
from crisisdesk.core.exceptions import DomainError
from incidents.monitoring.collectors import CollectorError, collector_for
from incidents.monitoring.models import Source, SourceKind, SourceState
from incidents.monitoring.services.ingest import mention_ingest
from incidents.notifications.outbox import task_enqueue_after_commit
from incidents.notifications.services import notification_send
from tenants.models import Brand

logger = logging.getLogger(__name__)

POLL_TASK = "incidents.tasks.source_poll_run"
LEASE = timedelta(minutes=10)
MAX_PAGES_PER_POLL = 20
MIN_INTERVAL = 60
MAX_INTERVAL = 24 * 3600
MAX_BACKOFF = timedelta(hours=6)
DISPATCH_LIMIT = 200
SOURCE_FIELDS = ("name", "config", "credentials", "interval_seconds")


class SourceInvalid(DomainError):
    code = "invalid"
    api_speaks_member_language = True


def error_text(error: CollectorError | str) -> dict[str, str]:
    """The message in both languages, as stored in last_error."""
    texts = {}
    for language in ("en", "ru"):
        with translation.override(language):
            texts[language] = str(error)
    return texts


def last_error_text(source: Source) -> str:
    """The last error in the current language (English when the other one is missing)."""
    error = source.last_error or {}
    language = (translation.get_language() or "en").split("-")[0]
    return error.get(language) or error.get("en") or ""


def source_credentials(source: Source) -> dict[str, Any]:
    """The plaintext credentials, for the poll only (never for a response)."""
    try:
        value = decrypt_json(source.credentials_encrypted)
    except DecryptionFailed:
        return {}
    return value if isinstance(value, dict) else {}


def credential_names(source: Source) -> list[str]:
    """Which credentials are set (their names only)."""
    return sorted(k for k, v in source_credentials(source).items() if v not in (None, ""))


def _validate(kind: str, config: Any, credentials: Any, interval: Any) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in SourceKind.values:
        errors["kind"] = [str(_("Unknown source kind."))]
    else:
        errors.update(collector_for(kind).validate(config, credentials))
    if isinstance(interval, bool) or not isinstance(interval, int):
        errors["interval_seconds"] = [str(_("Must be a whole number."))]
    elif not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        errors["interval_seconds"] = [
            str(
                _("Between %(min)s and %(max)s seconds.")
                % {"min": MIN_INTERVAL, "max": MAX_INTERVAL}
            )
        ]
    if errors:
        first = next(iter(errors))
        raise SourceInvalid(
            gettext_lazy("%(field)s: %(error)s"),
            params={"field": first, "error": errors[first][0]},
            errors=errors,
        )


def _clean_credentials(credentials: Any) -> dict[str, Any]:
    if not isinstance(credentials, dict):
        return {}
    return {k: v for k, v in credentials.items() if v not in (None, "")}


def source_create(
    *,
    brand: Brand,
    kind: str,
    config: Any = None,
    credentials: Any = None,
    interval_seconds: int = 300,
    name: str = "",
) -> Source:
    """A new source of a brand, due at once. The collector validates config and credentials."""
    config = config if config is not None else {}
    credentials = _clean_credentials(credentials if credentials is not None else {})
    _validate(kind, config, credentials, interval_seconds)
    return Source.objects.create(
        organisation_id=brand.organisation_id,
        brand=brand,
        kind=kind,
        name=(name or "").strip()[:120],
        config=config,
        credentials_encrypted=encrypt_json(credentials) if credentials else "",
        interval_seconds=interval_seconds,
        state=SourceState.NEW,
        next_poll_at=timezone.now(),
    )


def source_update(*, source: Source, **fields: Any) -> Source:
    """Change name, config, credentials (the whole object: what is not sent is dropped; an
    omitted `credentials` keeps the stored ones) or interval. A new config starts a new cursor."""
    fields = {k: v for k, v in fields.items() if k in SOURCE_FIELDS}
    config = fields.get("config", source.config)
    credentials = (
        _clean_credentials(fields["credentials"])
        if "credentials" in fields
        else source_credentials(source)
    )
    interval = fields.get("interval_seconds", source.interval_seconds)
    _validate(source.kind, config, credentials, interval)
    changed = ["updated_at"]
    if "name" in fields:
        source.name = (fields["name"] or "").strip()[:120]
        changed.append("name")
    if "config" in fields and config != source.config:
        source.config = config
        source.cursor = {}
        source.next_poll_at = timezone.now()
        if source.state != SourceState.PAUSED:
            source.state = SourceState.NEW
        changed += ["config", "cursor", "next_poll_at", "state"]
    if "credentials" in fields:
        source.credentials_encrypted = encrypt_json(credentials) if credentials else ""
        changed.append("credentials_encrypted")
    if "interval_seconds" in fields:
        source.interval_seconds = interval
        changed.append("interval_seconds")
    source.save(update_fields=changed)
    return source


def source_delete(*, source: Source) -> None:
    """Remove a source; the mentions it collected stay with the brand."""
    source.delete()


def _own(source: Source) -> Any:
    """The source's row, filtered on its organisation (the tenant guard's rule)."""
    return Source.objects.filter(organisation_id=source.organisation_id, pk=source.pk)


def source_pause(*, source: Source) -> Source:
    _own(source).update(state=SourceState.PAUSED, updated_at=timezone.now())
    source.refresh_from_db()
    return source


def source_resume(*, source: Source) -> Source:
    """Back to polling, at once; `new` until its next poll tells more."""
    if source.state == SourceState.PAUSED:
        _own(source).filter(state=SourceState.PAUSED).update(
            state=SourceState.OK if source.last_success_at else SourceState.NEW,
            next_poll_at=timezone.now(),
            consecutive_failures=0,
            updated_at=timezone.now(),
        )
        source.refresh_from_db()
    return source


def source_poll_request(*, source: Source) -> None:
    """Poll now, on the worker (after the caller's transaction commits)."""
    _own(source).update(next_poll_at=timezone.now())
    task_enqueue_after_commit(POLL_TASK, source.pk)


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    error: str = ""
    error_kind: str = ""


def source_test_connection(*, source: Source) -> ConnectionCheck:
    """One cheap call to the service with the stored configuration and credentials."""
    try:
        collector_for(source.kind).test_connection(source.config, source_credentials(source))
    except CollectorError as exc:
        return ConnectionCheck(ok=False, error=str(exc), error_kind=exc.kind)
    return ConnectionCheck(ok=True)


# --- polling -------------------------------------------------------------------------------------


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def source_claim(*, source_id: int, now: datetime) -> bool:
    """Take the poll lease of a source that is not paused and not being polled: True if
    this caller got it (one conditional UPDATE, so two claimants cannot both win)."""
    return (
        Source.objects.all_tenants()
        .filter(_unclaimed(now), pk=source_id, organisation__deleted_at__isnull=True)
        .exclude(state=SourceState.PAUSED)
        .update(claimed_until=now + LEASE)
        == 1
    )


def sources_dispatch(*, now: datetime | None = None) -> list[int]:
    """The beat's work: enqueue a poll for each due source and move its next poll one
    interval on (so a slow queue does not collect duplicates). Rows are taken with SKIP LOCKED:
    two dispatchers share the due sources instead of both sending them."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Source.objects.all_tenants()
            .select_for_update(skip_locked=True, of=("self",))
            .filter(_unclaimed(now), organisation__deleted_at__isnull=True)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .exclude(state=SourceState.PAUSED)
            .order_by(F("next_poll_at").asc(nulls_first=True), "id")
            .values_list("id", "interval_seconds")[:DISPATCH_LIMIT]
        )
        for source_id, interval in due:
            Source.objects.all_tenants().filter(pk=source_id).update(
                next_poll_at=now + timedelta(seconds=interval)
            )
            task_enqueue_after_commit(POLL_TASK, source_id)
    return [source_id for source_id, _interval in due]


@dataclass
class PollOutcome:
    fetched: int = 0
    created: int = 0
    pages: int = 0
    error_kind: str = ""
    incidents_opened: list[int] = field(default_factory=list)


def _keep_paused(state: str) -> Case:
    """A pause that came while the poll ran wins over the poll's verdict."""
    return Case(
        When(state=SourceState.PAUSED, then=Value(SourceState.PAUSED)), default=Value(state)
    )


def source_poll(*, source_id: int, now: datetime | None = None) -> PollOutcome | None:
    """Poll one source if its lease can be claimed (None otherwise: someone else polls it,
    or it is paused or gone)."""
    started = now or timezone.now()
    if not source_claim(source_id=source_id, now=started):
        return None
    try:
        return _poll_claimed(source_id, started)
    finally:
        Source.objects.all_tenants().filter(pk=source_id).update(claimed_until=None)


def _poll_claimed(source_id: int, started: datetime) -> PollOutcome | None:
    source = (
        Source.objects.all_tenants().select_related("brand", "organisation").filter(pk=source_id)
    ).first()
    if source is None:
        return None
    collector = collector_for(source.kind)
    credentials = source_credentials(source)
    cursor = source.cursor if isinstance(source.cursor, dict) else {}
    outcome = PollOutcome(incidents_opened=[])
    more = False
    for _page in range(MAX_PAGES_PER_POLL):
        try:
            result = collector.collect(source.config, credentials, cursor)
        except CollectorError as exc:
            outcome.error_kind = exc.kind
            _poll_failed(source, exc, started, outcome)
            return outcome
        except Exception:
            # A shape the collector did not foresee: the source reports it, the worker lives.
            logger.exception("source %s: the collector failed", source_id)
            error = CollectorError(
                "malformed", _("The service answered in a way the collector cannot read.")
            )
            outcome.error_kind = error.kind
            _poll_failed(source, error, started, outcome)
            return outcome
        with transaction.atomic():
            if result.items:
                ingested = mention_ingest(
                    brand=source.brand, items=[item.as_item() for item in result.items]
                )
                outcome.created += ingested.created
                outcome.incidents_opened.extend(ingested.incidents_opened)
            Source.objects.all_tenants().filter(pk=source_id).update(
                cursor=result.cursor, fetched_total=F("fetched_total") + len(result.items)
            )
        cursor = result.cursor
        outcome.fetched += len(result.items)
        outcome.pages += 1
        more = result.more
        if not more:
            break
    finished = timezone.now()
    # Pages left over (a long backlog): the next dispatch continues at once.
    next_poll = finished if more else started + timedelta(seconds=source.interval_seconds)
    Source.objects.all_tenants().filter(pk=source_id).update(
        state=_keep_paused(SourceState.OK),
        last_polled_at=finished,
        last_success_at=finished,
        last_error={},
        last_error_kind="",
        consecutive_failures=0,
        next_poll_at=next_poll,
        updated_at=finished,
    )
    return outcome


def _poll_failed(
    source: Source, exc: CollectorError, started: datetime, outcome: PollOutcome
) -> None:
    finished = timezone.now()
    interval = timedelta(seconds=source.interval_seconds)
    wait = timedelta(seconds=exc.retry_after) if exc.retry_after else None
    # The pages stored before the error kept their cursor (one transaction each).
    if exc.kind == "rate_limited":
        # Not the source's fault: wait as long as the service asks, at least one interval.
        Source.objects.all_tenants().filter(pk=source.pk).update(
            last_polled_at=finished,
            last_error=error_text(exc),
            last_error_kind=exc.kind,
            next_poll_at=started + max(interval, wait or interval),
            updated_at=finished,
        )
        logger.info("source %s: rate limited, next poll in %s", source.pk, wait or interval)
        return
    failures = source.consecutive_failures + 1
    backoff = min(interval * (2 ** min(failures - 1, 10)), MAX_BACKOFF)
    if wait:
        backoff = max(backoff, wait)
    with transaction.atomic():
        Source.objects.all_tenants().filter(pk=source.pk).update(
            state=_keep_paused(SourceState.ERROR),
            last_polled_at=finished,
            last_error=error_text(exc),
            last_error_kind=exc.kind,
            consecutive_failures=F("consecutive_failures") + 1,
            next_poll_at=started + backoff,
            updated_at=finished,
        )
        if failures == settings.SOURCE_FAILURE_ALERT_AFTER:
            _failing_notify(source, exc, failures)
    logger.warning("source %s: poll failed (%s), failure %s", source.pk, exc.kind, failures)


def _failing_notify(source: Source, exc: CollectorError, failures: int) -> None:
    """Once, when the failures in a row reach the threshold: the brand's managers and owners
    (agency staff who see the brand; not other brands' managers, not viewers, not the
    client's staff) and the organisation's webhook. Each reads it in their language (the
    brand's for those who chose none), the reason included."""
    texts = error_text(exc)

    def email() -> tuple[str, str]:
        label = source.name or source.get_kind_display()
        values = {
            "kind": source.get_kind_display(),
            "source": label,
            "brand": source.brand.name,
            "count": failures,
        }
        subject = _("[CrisisDesk] Source failing: %(source)s (%(brand)s)") % values
        message = (
            ngettext(
                "The %(kind)s source “%(source)s” of %(brand)s failed %(count)s poll in a row.",
                "The %(kind)s source “%(source)s” of %(brand)s failed %(count)s polls in a row.",
                failures,
            )
            % values
        )
        language = (translation.get_language() or "en").split("-")[0]
        return subject, f"{message}\n\n{texts.get(language) or texts['en']}"

    notification_send(
        organisation=source.organisation,
        event_type="source.failing",
        brand_id=source.brand_id,
        email=email,
        language=source.brand.language,
        data={
            "source": {"id": source.pk, "kind": source.kind, "name": source.name},
            "brand": {"id": source.brand_id, "name": source.brand.name},
            "failures": failures,
            "error": texts,
            "error_kind": exc.kind,
        },
    )
