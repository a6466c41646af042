"""Escalation and notifications: SLA breaches, auto-opened incidents; `notify()`, the one way
anything goes out (email, signed webhook, Telegram), through the one delivery path
(incidents/notifications/delivery.py: recorded before sent, delivery ids, retries, receipts).

Webhooks are signed with `crisisdesk.core.signing` (the scheme signed ingest verifies).
"""

import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from crisisdesk.core.time import iso_z
from incidents.models import Incident
from incidents.notifications.delivery import delivery_record
from incidents.notifications.models import Channel, Delivery, NotificationReceipt
from tenants.mail import emails_by_language
from tenants.models import MemberKind, Membership, Organisation, Role

logger = logging.getLogger(__name__)


# --- sending ---


def claim_once(key: str) -> bool:
    """True the first time `key` is claimed, False ever after, however many processes ask at
    once: the one "at most once" primitive (a unique receipt row, in its own savepoint so that
    a refusal leaves the caller's transaction usable). Keys longer than 64 characters are
    hashed. Claimed inside the caller's transaction, the claim rolls back with it."""
    if len(key) > 64:
        key = hashlib.sha256(key.encode()).hexdigest()
    try:
        with transaction.atomic():
            NotificationReceipt.objects.create(key=key)
    except IntegrityError:
        return False
    return True


# Alike templates/services/responses.py:response_publish on purpose: a keyword-only signature
# with optional extras, each function its own.
def notify(
    *,
    organisation: Organisation,
    channel: str,
    kind: str,
    key: str | None = None,
    delivery_id: str | uuid.UUID | None = None,
    to: list[str] | None = None,
    subject: str = "",
    message: str = "",
    headers: dict[str, str] | None = None,
    data: dict[str, Any] | None = None,
    method: str = "sendMessage",
    params: dict[str, Any] | None = None,
) -> Delivery | None:
    """Send one notification by one channel: the one way anything leaves CrisisDesk.

    Records a Delivery in the caller's transaction (call it inside the transaction that decides
    to send: a rollback sends nothing) and sends it by a task after commit, with a stable
    delivery id, retries and a receipt; a task run twice sends once. `kind` names what it is
    (the webhook's event type). By channel:
    - email: `to`, `subject`, `message`, optional mail `headers`;
    - webhook: `data`, wrapped in the signed envelope to the organisation's URL;
    - telegram: the Bot API `method` and its `params` (through the organisation's bot).
    With a `key` (or a `delivery_id`) the same notification decided twice is sent once.
    Returns the delivery, or None when the channel cannot reach anyone (no address).
    """
    if key is not None and len(key) > 64:
        key = hashlib.sha256(key.encode()).hexdigest()
    payload: dict[str, Any]
    if channel == Channel.EMAIL:
        recipients = list(dict.fromkeys(to or []))
        if not recipients:
            return None
        payload = {"to": recipients, "subject": subject, "message": message}
        if headers:
            payload["headers"] = headers
    elif channel == Channel.WEBHOOK:
        if not organisation.webhook_url:
            return None
        delivery_id = uuid.UUID(str(delivery_id)) if delivery_id else uuid.uuid4()
        payload = {
            "event_type": kind,
            "envelope": {
                "id": str(delivery_id),
                "type": kind,
                "created_at": iso_z(timezone.now()),
                "organisation": organisation.slug,
                "data": data or {},
            },
        }
    elif channel == Channel.TELEGRAM:
        payload = {"method": method, "params": params or {}}
    else:
        raise ValueError(f"unknown channel {channel!r}")
    return delivery_record(
        organisation_id=organisation.id,
        channel=channel,
        kind=kind,
        payload=payload,
        key=key,
        delivery_id=delivery_id,
    )


def _alert_members(organisation_id: int, brand_id: int | None = None) -> QuerySet[Membership]:
    """The organisation's owners and managers.

    With `brand_id`: only the agency's owners and managers who see that brand (every brand,
    or a brand limit that includes it): an operational alert about one brand (its source
    failing) is not for managers limited to other brands, nor for the client's own staff.
    """
    members = Membership.objects.filter(
        organisation_id=organisation_id, role__in=[Role.OWNER, Role.MANAGER]
    )
    if brand_id is not None:
        members = members.filter(kind=MemberKind.AGENCY).filter(
            Q(brands__isnull=True) | Q(brands__id=brand_id)
        )
    return members.order_by("id")


def alert_recipients(*, organisation_id: int, brand_id: int | None = None) -> list[str]:
    """Emails of the organisation's owners and managers (those who have one); `brand_id`
    narrows them as _alert_members says."""
    emails = _alert_members(organisation_id, brand_id).exclude(user__email="")
    return list(dict.fromkeys(emails.values_list("user__email", flat=True)))


# (subject, message), rendered under the active language.
EmailRender = Callable[[], tuple[str, str]]


# Alike tenants/services.py:invitation_create's signature and tasks.py's notify() calls
# on purpose: the tasks each send one delivery; this one sends an email per language and a webhook.
def notification_send(
    *,
    organisation: Organisation,
    event_type: str,
    email: EmailRender,
    language: str,
    data: dict[str, Any],
    brand_id: int | None = None,
) -> None:
    """Tell the organisation's managers and owners by email, each in the language they read,
    and, if it has a webhook URL, by a signed webhook (`notify()` deliveries: one email per
    language). `email()` renders the subject and message under that language; `language` is
    for those who chose none (the incident's brand's). Call it inside the deciding
    transaction.

    With `brand_id`, the email goes only to the agency's managers and owners of that brand
    (_alert_members)."""
    members = _alert_members(organisation.id, brand_id)
    for reader_language, recipients in emails_by_language(members, default=language).items():
        with translation.override(reader_language):
            subject, message = email()
        notify(
            organisation=organisation,
            channel=Channel.EMAIL,
            kind=event_type,
            to=recipients,
            subject=subject,
            message=message,
        )
    notify(organisation=organisation, channel=Channel.WEBHOOK, kind=event_type, data=data)


# --- what we notify about ---


# Alike playbooks/services/incident_tasks.py:_task_payload on purpose: each describes its own
# object (an incident for webhooks, a task for events).
def incident_data(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "brand": {"id": incident.brand_id, "name": incident.brand.name},
        "detected_at": iso_z(incident.detected_at),
    }


# The SLA clocks as a sentence names them (the breach email, the climb's call).
CLOCK_NAMES = {
    "acknowledge": gettext_lazy("time to acknowledge"),
    "first_response": gettext_lazy("time to first public response"),
    "resolve": gettext_lazy("time to resolve"),
}
