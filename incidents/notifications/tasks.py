"""Celery tasks of notifications: thin, idempotent, taking ids; the work is in the services.

Names stay `incidents.tasks.…`: beat rows, deferred tasks and queued messages store them, and
the services enqueue them by name (see EMAIL_TASK, WEBHOOK_TASK) so that they never import
this module.
"""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from incidents.notifications.escalation import escalation_climb
from incidents.notifications.outbox import deferred_tasks_flush
from incidents.notifications.services import (
    EMAIL_TASK,
    WEBHOOK_TASK,
    WebhookRetryable,
    notification_email_deliver,
    sla_breaches_check,
    webhook_attempt,
)
from incidents.notifications.telegram.client import TelegramApiError
from incidents.notifications.telegram.messages import (
    SYNC_TASK,
    telegram_incident_sync,
    telegram_sla_watch,
)
from incidents.notifications.telegram.sending import TELEGRAM_CALL_TASK, telegram_call_deliver
from incidents.notifications.telegram.updates import telegram_bot_poll, telegram_polling_bots

logger = logging.getLogger(__name__)


@shared_task(name="incidents.tasks.sla_check_run")
def sla_check_run() -> int:
    """Every minute: each SLA breach gets one event and one notification, however many runs."""
    return len(sla_breaches_check())


@shared_task(
    name=EMAIL_TASK,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def notification_email_send(
    organisation_id: int,
    subject: str,
    message: str,
    key: str | None = None,
    to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> int:
    return notification_email_deliver(
        organisation_id=organisation_id,
        subject=subject,
        message=message,
        key=key,
        to=to,
        headers=headers,
    )


@shared_task(
    bind=True,
    name=WEBHOOK_TASK,
    autoretry_for=(WebhookRetryable,),
    retry_backoff=5,  # 5 s, 10 s, 20 s, … (with jitter), at most 10 minutes apart
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def webhook_deliver(
    self: object, organisation_id: int, delivery_id: str, event_type: str, envelope: dict
) -> int | None:
    """Deliver one signed webhook; each attempt is logged as a WebhookDelivery row."""
    delivery = webhook_attempt(
        organisation_id=organisation_id,
        delivery_id=delivery_id,
        event_type=event_type,
        envelope=envelope,
        attempt=self.request.retries + 1,
    )
    return delivery.status_code if delivery else None


@shared_task(name="incidents.tasks.deferred_tasks_flush_run")
def deferred_tasks_flush_run() -> int:
    """Send the tasks that could not be enqueued while the broker was down."""
    return deferred_tasks_flush()


# --- Telegram ---


class TelegramRetryable(Exception):
    """Telegram is unreachable, failing or flooded: another attempt later may pass."""


@shared_task(
    name=TELEGRAM_CALL_TASK,
    autoretry_for=(TelegramRetryable,),
    retry_backoff=3,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def telegram_call(
    organisation_id: int, method: str, params: dict, key: str | None = None
) -> object:
    try:
        return telegram_call_deliver(
            organisation_id=organisation_id, method=method, params=params, key=key
        )
    except TelegramApiError as exc:
        if exc.retryable:
            raise TelegramRetryable(str(exc)) from None
        logger.warning("telegram %s for organisation %s refused: %s", method, organisation_id, exc)
        return None


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
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def telegram_incident_sync_run(organisation_id: int, incident_id: int) -> int:
    """Send or edit the incident's message in each of its linked chats (idempotent)."""
    try:
        return telegram_incident_sync(incident_id=incident_id)
    except TelegramApiError as exc:
        raise TelegramRetryable(str(exc)) from None


@shared_task(name="incidents.tasks.telegram_sla_watch_run")
def telegram_sla_watch_run() -> int:
    """Every minute: edit the messages of incidents whose SLA is now at risk or breached."""
    return telegram_sla_watch()


@shared_task(name="incidents.tasks.escalation_climb_run")
def escalation_climb_run() -> dict[str, int]:
    """Every minute: call the next level of each climb that is due (see notifications/escalation)."""
    return escalation_climb()
