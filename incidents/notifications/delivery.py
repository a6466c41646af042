"""The one delivery path: every outgoing notification (a webhook, an email, a Telegram message) is a
`Delivery` row recorded in the transaction that decides to send it, then sent by a task.

    delivery_record()  ->  commit  ->  task delivery_send(pk)  ->  claim  ->  send  ->  delivered

- Recorded before it is sent: the row commits with the change that caused it (a rolled-back
  change records and sends nothing). A task lost with the broker, or held by a worker that was
  killed, leaves a row that the sweep (`deliveries_sweep`, beat, every minute) enqueues again.
- Exactly-once in effect: a task run again (a redelivery after a worker restart, a duplicate
  message) finds the row delivered and sends nothing. A worker killed *during* a send leaves the
  row claimed (`sending`); once the claim is older than CLAIM_LEASE a webhook or an email is
  sent again with the same delivery id, which the receiver deduplicates by (the
  `X-CrisisDesk-Delivery` header, the email's `Message-ID`): at least once, never lost. A
  Telegram message is not sent again (the Bot API cannot deduplicate: a repeat is a second
  message in the chat): it is marked failed, "interrupted" — at most once.
- Retries: a failure another attempt may fix (network, 5xx, 429, an SMTP error) puts the row
  back to pending after a backoff; a short wait is a countdown on the task, a long one is left
  to the sweep (no long countdown sits in the broker, where Redis would hand it out again after
  its visibility timeout). A final refusal (4xx, the outbound policy) marks it failed at once.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from crisisdesk.core.outbound import OutboundError, OutboundRefused, request
from crisisdesk.core.signing import signature_header
from incidents.notifications.models import Channel, Delivery, TelegramBot, WebhookDelivery
from incidents.notifications.outbox import task_enqueue_after_commit
from incidents.notifications.telegram.client import TelegramApiError, bot_call, token_decrypt
from tenants.models import Organisation

logger = logging.getLogger(__name__)

# The task is enqueued by name: the tasks module imports this one, never the other way round.
DELIVERY_TASK = "incidents.tasks.delivery_send"
# A claim older than this belongs to a task that died (the longest send is a 10 s webhook or
# Telegram call, an SMTP conversation under EMAIL_TIMEOUT_SECONDS): below the Redis visibility
# timeout (50 s), so the broker's redelivery of a killed worker's task finds the claim stale.
CLAIM_LEASE = timedelta(seconds=45)
# Waits up to this long are countdowns on the task; longer ones are the sweep's.
SHORT_RETRY_SECONDS = 30
SWEEP_LIMIT = 500
EMAIL_TIMEOUT_SECONDS = 20

WEBHOOK_TIMEOUT_SECONDS = 10
# A receiver's answer is not read by anyone: a small limit is enough.
WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024
# Worth another attempt: the receiver is down, overloaded or asks us to slow down.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int  # in all, the first one included
    base_seconds: int
    max_seconds: int = 600

    def wait(self, attempt: int) -> float:
        """Seconds before attempt `attempt + 1`: exponential, with jitter."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not a secret)


RETRIES = {
    Channel.WEBHOOK: RetryPolicy(attempts=9, base_seconds=5),  # 5 s, 10 s, 20 s, … 10 min
    Channel.EMAIL: RetryPolicy(attempts=6, base_seconds=10),
    Channel.TELEGRAM: RetryPolicy(attempts=7, base_seconds=3, max_seconds=300),
}


class Retry(Exception):
    """This attempt failed; another one may pass (`after`: the service asked for a wait)."""

    def __init__(self, error: str, after: float | None = None) -> None:
        super().__init__(error)
        self.after = after


class Refused(Exception):
    """This delivery can never succeed as it is: final."""


# --- recording ---


def delivery_record(
    *,
    organisation_id: int,
    channel: str,
    kind: str,
    payload: dict[str, Any],
    key: str | None = None,
    delivery_id: str | uuid.UUID | None = None,
) -> Delivery:
    """Record one delivery and send it once the current transaction commits. Call it inside the
    transaction that decides to send. With a `key` (or an explicit `delivery_id`) a second call
    for the same thing returns the first row and sends nothing more."""
    existing = Delivery.objects.all_tenants().filter(
        Q(key=key) if key else Q(delivery_id=delivery_id)
    )
    if key or delivery_id:
        found = existing.first()
        if found is not None:
            return found
    fields: dict[str, Any] = {"delivery_id": uuid.UUID(str(delivery_id))} if delivery_id else {}
    try:
        with transaction.atomic():
            row = Delivery.objects.create(
                organisation_id=organisation_id,
                channel=channel,
                kind=kind[:60],
                payload=payload,
                key=key,
                **fields,
            )
    except IntegrityError:  # recorded concurrently by another run deciding the same thing
        return existing.get()
    task_enqueue_after_commit(DELIVERY_TASK, row.pk)
    return row


# --- sending ---


def _claim(pk: int, now: datetime) -> Delivery | None:
    """Take the row for this attempt, or None when there is nothing to send (delivered, failed,
    not due yet, or being sent by a live task right now)."""
    stale = now - CLAIM_LEASE
    row = Delivery.objects.all_tenants().filter(pk=pk).first()
    if row is None or row.state in (Delivery.State.DELIVERED, Delivery.State.FAILED):
        return None
    if row.state == Delivery.State.SENDING:
        if row.claimed_at and row.claimed_at > stale:
            return None  # another task is sending it now
        if row.channel == Channel.TELEGRAM:
            # Its task died mid-call: Telegram may have posted it, and cannot deduplicate.
            Delivery.objects.all_tenants().filter(pk=pk, state=Delivery.State.SENDING).update(
                state=Delivery.State.FAILED,
                last_error="interrupted during the call: not repeated (at most once)",
            )
            return None
        taken = Delivery.objects.all_tenants().filter(
            pk=pk, state=Delivery.State.SENDING, claimed_at=row.claimed_at
        )
    else:
        # A countdown's ETA and next_attempt_at come from two clocks: a second of slack.
        taken = Delivery.objects.all_tenants().filter(
            pk=pk, state=Delivery.State.PENDING, next_attempt_at__lte=now + timedelta(seconds=1)
        )
    if not taken.update(state=Delivery.State.SENDING, claimed_at=now, attempts=F("attempts") + 1):
        return None  # not due, or another run claimed it first
    row.refresh_from_db()
    return row


def delivery_attempt(pk: int, *, now: datetime | None = None) -> str:
    """One attempt at delivery `pk` (the task's work). Returns the row's state afterwards, or
    "skipped" when this run had nothing to do."""
    now = now or timezone.now()
    row = _claim(pk, now)
    if row is None:
        return "skipped"
    try:
        SENDERS[Channel(row.channel)](row)
    except Retry as exc:
        policy = RETRIES[Channel(row.channel)]
        if row.attempts >= policy.attempts:
            _finish(row, Delivery.State.FAILED, f"{exc} (after {row.attempts} attempts)")
            return Delivery.State.FAILED
        wait = max(exc.after or 0, policy.wait(row.attempts))
        row.state, row.last_error = Delivery.State.PENDING, str(exc)[:2000]
        row.next_attempt_at = now + timedelta(seconds=wait)
        row.save(update_fields=["state", "last_error", "next_attempt_at"])
        if wait <= SHORT_RETRY_SECONDS:
            _enqueue_later(row.pk, wait)
        return Delivery.State.PENDING
    except Refused as exc:
        _finish(row, Delivery.State.FAILED, str(exc))
        return Delivery.State.FAILED
    _finish(row, Delivery.State.DELIVERED, "")
    return Delivery.State.DELIVERED


def _finish(row: Delivery, state: str, error: str) -> None:
    row.state, row.last_error = state, error[:2000]
    row.delivered_at = timezone.now() if state == Delivery.State.DELIVERED else None
    row.save(update_fields=["state", "last_error", "delivered_at"])


def _enqueue_later(pk: int, countdown: float) -> None:
    from celery import current_app

    if current_app.conf.task_always_eager:
        return  # tests drive the retries with their own clock; the sweep is the fallback
    try:
        current_app.send_task(DELIVERY_TASK, args=[pk], countdown=countdown, retry=False)
    except Exception as exc:  # the broker is down: the sweep sends it when it is back
        logger.warning("delivery %s: retry not enqueued (%s), left to the sweep", pk, exc)


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Beat, every minute: enqueue the deliveries that are due and not in a broker (a retry
    whose wait was long, a task lost with the broker) and those whose task died mid-send.
    Returns how many were enqueued; the claim makes a duplicate task harmless."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.all_tenants()
        .filter(
            Q(state=Delivery.State.PENDING, next_attempt_at__lte=now)
            | Q(state=Delivery.State.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for pk in due:
        task_enqueue_after_commit(DELIVERY_TASK, pk)
    return len(due)


# --- the channels ---


def _webhook_send(row: Delivery) -> None:
    """POST the signed envelope to the organisation's current URL and log the attempt (a
    WebhookDelivery row). 2xx: delivered; 408/425/429/5xx or no answer: retried; another
    status or an address the outbound policy refuses (the URL was checked when saved, but its
    host may resolve elsewhere now): final. Redirects are not followed. Signed at each attempt
    (receivers refuse signatures older than 5 minutes)."""
    organisation = Organisation.objects.filter(pk=row.organisation_id).first()
    if organisation is None or not organisation.webhook_url:
        raise Refused("the organisation has no webhook address any more")
    event_type = str(row.payload.get("event_type", row.kind))
    body = json.dumps(row.payload["envelope"], ensure_ascii=False, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "CrisisDesk-Webhook/1",
        "X-CrisisDesk-Event": event_type,
        "X-CrisisDesk-Delivery": str(row.delivery_id),
        "X-CrisisDesk-Signature": signature_header(secret=organisation.webhook_secret, body=body),
    }
    status_code: int | None = None
    error = ""
    refused = False
    started = time.monotonic()
    try:
        response = request(
            "POST",
            organisation.webhook_url,
            content=body,
            headers=headers,
            timeout=WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=WEBHOOK_MAX_RESPONSE_BYTES,
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except OutboundRefused as exc:
        refused = True
        error = f"refused: {exc.reason} {exc.address}".strip()
    except OutboundError as exc:
        error = f"{exc.reason}: {exc.detail}"[:2000]
    WebhookDelivery.objects.create(
        organisation_id=row.organisation_id,
        delivery_id=row.delivery_id,
        event_type=event_type[:60],
        url=organisation.webhook_url[:2000],
        attempt=row.attempts,
        status_code=status_code,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if not error:
        return
    if not refused and (status_code is None or status_code in RETRYABLE_STATUS):
        raise Retry(error)
    raise Refused(error)


def _email_send(row: Delivery) -> None:
    """One email, its Message-ID derived from the delivery id (the same on every attempt)."""
    payload = row.payload
    recipients = list(payload.get("to") or [])
    if not recipients:
        raise Refused("no recipient")
    headers = dict(payload.get("headers") or {})
    domain = getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "crisisdesk")
    headers["Message-ID"] = f"<{row.delivery_id}@{domain}>"
    headers["X-CrisisDesk-Delivery"] = str(row.delivery_id)
    mail = EmailMessage(
        payload.get("subject", ""),
        payload.get("message", ""),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
        headers=headers,
        # Bounded, so that a hung SMTP server cannot outlive the claim (CLAIM_LEASE).
        connection=get_connection(timeout=EMAIL_TIMEOUT_SECONDS),
    )
    try:
        mail.send(fail_silently=False)
    except OSError as exc:  # smtplib.SMTPException is an OSError; so are refused connections
        raise Retry(f"smtp: {exc}"[:2000]) from None


def _telegram_send(row: Delivery) -> None:
    bot = TelegramBot.objects.all_tenants().filter(organisation_id=row.organisation_id).first()
    if bot is None:
        raise Refused("the organisation's bot was unlinked")
    try:
        bot_call(token_decrypt(bot.token_encrypted), row.payload["method"], row.payload["params"])
    except TelegramApiError as exc:
        if exc.retryable:
            raise Retry(str(exc), after=exc.retry_after) from None
        raise Refused(str(exc)) from None


SENDERS = {
    Channel.WEBHOOK: _webhook_send,
    Channel.EMAIL: _email_send,
    Channel.TELEGRAM: _telegram_send,
}
