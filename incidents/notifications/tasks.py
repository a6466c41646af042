"""Celery tasks of notifications: thin, idempotent, taking ids; the work is in the services.

Names stay `incidents.tasks.…`: beat rows, deferred tasks and queued messages store them, and
the services enqueue them by name (see EMAIL_TASK, WEBHOOK_TASK) so that they never import
this module.
"""

from smtplib import SMTPException

from celery import shared_task

from incidents.notifications.outbox import deferred_tasks_flush
from incidents.notifications.services import (
    EMAIL_TASK,
    WEBHOOK_TASK,
    WebhookRetryable,
    notification_email_deliver,
    sla_breaches_check,
    webhook_attempt,
)


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
    organisation_id: int, subject: str, message: str, key: str | None = None
) -> int:
    return notification_email_deliver(
        organisation_id=organisation_id, subject=subject, message=message, key=key
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
