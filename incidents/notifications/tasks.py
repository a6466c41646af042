"""Celery tasks of notifications: thin, idempotent, taking ids; the work is in the services.

Names stay `incidents.tasks.…`: beat rows, deferred tasks and queued messages store them, and
the services enqueue them by name (see DELIVERY_TASK) so that they never import this module.
"""

import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from incidents.notifications.breaches import sla_breaches_check
from incidents.notifications.delivery import DELIVERY_TASK, deliveries_sweep, delivery_attempt
from incidents.notifications.escalation import escalation_climb
from incidents.notifications.models import Channel
from incidents.notifications.outbox import deferred_tasks_flush
from incidents.notifications.services import notify
from incidents.notifications.telegram.client import TelegramApiError
from incidents.notifications.telegram.messages import (
    SYNC_TASK,
    SyncBusy,
    telegram_incident_sync,
    telegram_sla_watch,
)
from incidents.notifications.telegram.updates import telegram_bot_poll, telegram_polling_bots
from tenants.models import Organisation

logger = logging.getLogger(__name__)


@shared_task(name="incidents.tasks.sla_check_run")
def sla_check_run() -> int:
    """Every minute: each SLA breach gets one event and one notification, however many runs."""
    return len(sla_breaches_check())


@shared_task(name=DELIVERY_TASK)
def delivery_send(delivery_pk: int) -> str:
    """Send one recorded delivery (claim, send with its delivery id, mark): a run for a delivery
    already delivered, or being sent, does nothing. Retries are scheduled by the delivery path
    itself (a countdown for short waits, the sweep for long ones), not by Celery's retry."""
    return delivery_attempt(delivery_pk)


@shared_task(name="incidents.tasks.deliveries_sweep_run")
def deliveries_sweep_run() -> int:
    """Every minute: deliveries due again, or whose task was lost or died mid-send."""
    return deliveries_sweep()


# Tasks queued before the delivery path existed carry these names and arguments: each is
# turned into a recorded delivery (by its key or delivery id: at most one) and sent by it.


def _organisation(organisation_id: int) -> Organisation | None:
    return Organisation.objects.filter(pk=organisation_id).first()


# Alike webhook_deliver and telegram_call below on purpose: each task is a thin entry point
# into notify() for its own channel, with its own arguments (the shared steps live in notify).
@shared_task(name="incidents.tasks.notification_email_send")
def notification_email_send(
    organisation_id: int,
    subject: str,
    message: str,
    key: str | None = None,
    to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    from incidents.notifications.services import alert_recipients

    # Alike webhook_deliver and telegram_call on purpose: see above.
    organisation = _organisation(organisation_id)
    if organisation is not None:
        notify(
            organisation=organisation,
            channel=Channel.EMAIL,
            kind="email",
            key=key,
            to=to if to is not None else alert_recipients(organisation_id=organisation_id),
            subject=subject,
            message=message,
            headers=headers,
        )


# Alike telegram_call below on purpose: the webhook channel's own entry point into notify().
@shared_task(name="incidents.tasks.webhook_deliver")
def webhook_deliver(
    organisation_id: int, delivery_id: str, event_type: str, envelope: dict
) -> None:
    # Alike telegram_call below on purpose: the webhook channel's own entry point.
    organisation = _organisation(organisation_id)
    if organisation is not None:
        notify(
            organisation=organisation,
            channel=Channel.WEBHOOK,
            kind=event_type,
            delivery_id=delivery_id,
            data=envelope.get("data") or {},
        )


@shared_task(name="incidents.tasks.telegram_call")
def telegram_call(
    organisation_id: int, method: str, params: dict[str, Any], key: str | None = None
) -> None:
    organisation = _organisation(organisation_id)
    if organisation is not None:
        # Alike services.py:notification_send's notify() on purpose: one Telegram call, no fan-out.
        notify(
            organisation=organisation,
            channel=Channel.TELEGRAM,
            kind=f"telegram.{method}",
            key=key,
            method=method,
            params=params,
        )


@shared_task(name="incidents.tasks.deferred_tasks_flush_run")
def deferred_tasks_flush_run() -> int:
    """Send the tasks that could not be enqueued while the broker was down."""
    return deferred_tasks_flush()


# --- Telegram ---


class TelegramRetryable(Exception):
    """Telegram is unreachable, failing or flooded: another attempt later may pass."""


@shared_task(name="incidents.tasks.telegram_poll_run")
def telegram_poll_run() -> int:
    """Beat, every TELEGRAM_POLL_SECONDS: start a long poll for each bot in polling mode whose
    lease is free (the lease is claimed again by the poll itself: one poller per bot)."""
    bots = telegram_polling_bots()
    for bot_id in bots:
        telegram_bot_poll_run.delay(bot_id)
    return len(bots)


@shared_task(name="incidents.tasks.telegram_bot_poll_run")
def telegram_bot_poll_run(bot_id: int) -> int:
    return telegram_bot_poll(
        bot_id=bot_id,
        timeout=settings.TELEGRAM_POLL_TIMEOUT,
        budget=max(0, settings.TELEGRAM_POLL_SECONDS - settings.TELEGRAM_POLL_TIMEOUT - 2),
    )


@shared_task(
    name=SYNC_TASK,
    autoretry_for=(TelegramRetryable,),
    retry_backoff=3,
    # At most 30 s: a longer countdown would outlive the Redis visibility timeout (50 s) and be
    # handed out twice (settings.py); 12 retries still cover a few minutes of Telegram outage.
    retry_backoff_max=30,
    retry_jitter=True,
    max_retries=12,
)
def telegram_incident_sync_run(organisation_id: int, incident_id: int) -> int:
    """Send or edit the incident's message in each of its linked chats (idempotent)."""
    try:
        return telegram_incident_sync(incident_id=incident_id)
    except (TelegramApiError, SyncBusy) as exc:
        raise TelegramRetryable(str(exc)) from None


@shared_task(name="incidents.tasks.telegram_sla_watch_run")
def telegram_sla_watch_run() -> int:
    """Every minute: edit the messages of incidents whose SLA is now at risk or breached."""
    return telegram_sla_watch()


@shared_task(name="incidents.tasks.escalation_climb_run")
def escalation_climb_run() -> dict[str, int]:
    """Every minute: call the next level of each climb that is due (see notifications/escalation)."""
    return escalation_climb()
