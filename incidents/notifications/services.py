"""Escalation and notifications: SLA breaches, auto-opened incidents, email, signed webhooks.

Webhooks are signed with `crisisdesk.core.signing` (the scheme signed ingest verifies).
"""

import json
import logging
import time
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from crisisdesk.core.outbound import OutboundError, OutboundRefused, request
from crisisdesk.core.signing import signature_header
from crisisdesk.core.time import iso_z
from incidents.models import OPEN_STATUSES, Incident, SlaBreach
from incidents.notifications.models import NotificationReceipt, WebhookDelivery
from incidents.notifications.outbox import task_enqueue_after_commit
from incidents.services.lifecycle import event_record
from incidents.sla import sla_clocks
from tenants.models import Membership, Organisation, Role

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_SECONDS = 10
# A receiver's answer is not read by anyone: a small limit is enough.
WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024
# Worth another attempt: the receiver is down, overloaded or asks us to slow down.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
# The tasks (incidents/notifications/tasks.py) are enqueued by name: the tasks module imports
# this one, never the other way round.
EMAIL_TASK = "incidents.tasks.notification_email_send"
WEBHOOK_TASK = "incidents.tasks.webhook_deliver"


# --- sending ---


def alert_recipients(*, organisation_id: int) -> list[str]:
    """Emails of the organisation's owners and managers (those who have one)."""
    emails = (
        Membership.objects.filter(
            organisation_id=organisation_id, role__in=[Role.OWNER, Role.MANAGER]
        )
        .exclude(user__email="")
        .order_by("id")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(emails))


def notification_send(
    *,
    organisation: Organisation,
    event_type: str,
    subject: str,
    message: str,
    data: dict[str, Any],
) -> None:
    """Tell the organisation's managers and owners by email and, if it has a webhook URL, by a
    signed webhook. Both are Celery tasks enqueued after the caller's transaction commits, so
    a rolled-back change notifies no one. Call it inside that transaction."""
    task_enqueue_after_commit(EMAIL_TASK, organisation.id, subject, message, str(uuid.uuid4()))
    webhook_send(organisation=organisation, event_type=event_type, data=data)


def webhook_send(
    *, organisation: Organisation, event_type: str, data: dict[str, Any], delivery_id: str = ""
) -> None:
    """A signed webhook to the organisation's URL (if it has one), enqueued after commit; a
    stable `delivery_id` lets a repeated call be recognised by the receiver."""
    if not organisation.webhook_url:
        return
    envelope = {
        "id": delivery_id or str(uuid.uuid4()),
        "type": event_type,
        "created_at": iso_z(timezone.now()),
        "organisation": organisation.slug,
        "data": data,
    }
    task_enqueue_after_commit(WEBHOOK_TASK, organisation.id, envelope["id"], event_type, envelope)


def member_email_send(
    *,
    organisation: Organisation,
    to: str,
    subject: str,
    message: str,
    key: str,
    headers: dict[str, str] | None = None,
) -> None:
    """One email to one person (an escalation's call, a statement page's subscriber), sent
    once per key, after commit; `headers` adds mail headers (List-Unsubscribe)."""
    args: list[Any] = [organisation.id, subject, message, key, [to]]
    if headers:
        args.append(headers)
    task_enqueue_after_commit(EMAIL_TASK, *args)


def notification_email_deliver(
    *,
    organisation_id: int,
    subject: str,
    message: str,
    key: str | None = None,
    to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> int:
    """Send one alert email to the organisation's current managers and owners (or to `to`).

    With a key, at most once however often the task runs: the key is claimed by a unique
    row first, and released again if sending fails so that a retry can send it.
    """
    recipients = to if to is not None else alert_recipients(organisation_id=organisation_id)
    if not recipients:
        return 0
    if key is not None:
        try:
            with transaction.atomic():
                NotificationReceipt.objects.create(key=key)
        except IntegrityError:
            return 0  # already sent by an earlier run of the same task
    try:
        if headers:
            mail = EmailMessage(
                subject, message, settings.DEFAULT_FROM_EMAIL, recipients, headers=headers
            )
            return mail.send(fail_silently=False)
        return send_mail(
            subject,
            message,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
            fail_silently=False,
        )
    except Exception:
        if key is not None:
            NotificationReceipt.objects.filter(key=key).delete()
        raise


class WebhookRetryable(Exception):
    """The delivery failed in a way another attempt may fix (network, 5xx, 429)."""


def webhook_attempt(
    *, organisation_id: int, delivery_id: str, event_type: str, envelope: dict, attempt: int
) -> WebhookDelivery | None:
    """POST one signed webhook and log the attempt (status code or error, duration).

    Raises WebhookRetryable after logging when a retry may help; a 4xx other than 408/425/429
    is final, and so is an address the outbound policy refuses (loopback, private, …: the URL
    was checked when saved, but its host may resolve elsewhere now). Redirects are not
    followed: a signed body must reach the configured URL or fail. Signed at each attempt
    (receivers refuse signatures older than 5 minutes); receivers deduplicate retries by the
    X-CrisisDesk-Delivery header.
    """
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not organisation.webhook_url:
        return None
    delivered = WebhookDelivery.objects.filter(
        organisation_id=organisation_id,
        delivery_id=delivery_id,
        status_code__gte=200,
        status_code__lt=300,
    ).first()
    if delivered is not None:
        return delivered  # a duplicate run of a delivery that already succeeded
    body = json.dumps(envelope, ensure_ascii=False, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "CrisisDesk-Webhook/1",
        "X-CrisisDesk-Event": event_type,
        "X-CrisisDesk-Delivery": delivery_id,
        "X-CrisisDesk-Signature": signature_header(secret=organisation.webhook_secret, body=body),
    }
    status_code: int | None = None
    error = ""
    started = time.monotonic()
    refused = False
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
    delivery = WebhookDelivery.objects.create(
        organisation_id=organisation_id,
        delivery_id=delivery_id,
        event_type=event_type,
        url=organisation.webhook_url[:2000],
        attempt=attempt,
        status_code=status_code,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if error and not refused and (status_code is None or status_code in RETRYABLE_STATUS):
        raise WebhookRetryable(error)
    return delivery


# --- what we notify about ---


def incident_data(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "brand": {"id": incident.brand_id, "name": incident.brand.name},
        "detected_at": iso_z(incident.detected_at),
    }


_KIND_NAMES = {
    "acknowledge": "time to acknowledge",
    "first_response": "time to first public response",
    "resolve": "time to resolve",
}


def sla_breaches_check(*, now: datetime | None = None) -> list[SlaBreach]:
    """Escalate each SLA breach of an open live incident exactly once.

    For every (incident, kind) breached and not yet escalated: one `sla_breached` event and
    one notification of the managers and owners. The claim is a row under a unique
    (incident, kind) constraint, inserted with ON CONFLICT DO NOTHING and read back by this
    run's claim id: of two concurrent runs only the one whose insert landed escalates (the
    other's insert waits for it and then skips). Drills never escalate.
    """
    now = now or timezone.now()
    incidents = list(
        Incident.objects.filter(
            status__in=OPEN_STATUSES, is_drill=False, organisation__deleted_at__isnull=True
        ).select_related("organisation", "brand")
    )
    if not incidents:
        return []
    escalated = set(
        SlaBreach.objects.filter(incident_id__in=[i.id for i in incidents]).values_list(
            "incident_id", "kind"
        )
    )
    claim = uuid.uuid4()
    candidates: list[SlaBreach] = []
    by_id = {}
    for incident in incidents:
        for kind, clock in sla_clocks(incident, now).items():
            if clock.breached and (incident.id, kind) not in escalated:
                by_id[incident.id] = incident
                candidates.append(
                    SlaBreach(
                        organisation_id=incident.organisation_id,
                        incident=incident,
                        kind=kind,
                        due_at=clock.due_at,
                        claim=claim,
                    )
                )
    if not candidates:
        return []
    with transaction.atomic():
        SlaBreach.objects.bulk_create(candidates, ignore_conflicts=True)
        mine = list(
            SlaBreach.objects.filter(claim=claim, incident_id__in=list(by_id)).order_by("id")
        )
        for breach in mine:
            incident = by_id[breach.incident_id]
            minutes = incident.organisation.sla_minutes(incident.severity, breach.kind)
            due_at = iso_z(breach.due_at)
            event_record(
                incident=incident,
                kind="sla_breached",
                actor=None,
                payload={
                    "kind": breach.kind,
                    "severity": incident.severity,
                    "target_minutes": minutes,
                    "due_at": due_at,
                },
            )
            notification_send(
                organisation=incident.organisation,
                event_type="incident.sla_breached",
                subject=(
                    f"[CrisisDesk] SLA breached on #{incident.id} ({incident.severity.upper()}): "
                    f"{_KIND_NAMES[breach.kind]}"
                ),
                message=(
                    f"Incident #{incident.id} “{incident.title}” ({incident.brand.name}) missed "
                    f"its {_KIND_NAMES[breach.kind]} target of {minutes} minutes "
                    f"(due {due_at}). Status: {incident.status}."
                ),
                data={
                    "incident": incident_data(incident),
                    "sla": {"kind": breach.kind, "target_minutes": minutes, "due_at": due_at},
                },
            )
    return mine
