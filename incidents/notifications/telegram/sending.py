"""Calls the bot makes on its own (replies to commands, answers to button presses): a Celery task
enqueued after the caller's transaction commits, retried while Telegram is down or flooded."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from incidents.notifications.models import NotificationReceipt, TelegramBot
from incidents.notifications.outbox import task_enqueue_after_commit
from incidents.notifications.telegram.client import TelegramApiError, bot_call, token_decrypt

TELEGRAM_CALL_TASK = "incidents.tasks.telegram_call"


def telegram_call_after_commit(
    *, organisation_id: int, method: str, params: dict[str, Any], key: str | None = None
) -> None:
    """Call `method` with `params` through the organisation's bot once this transaction commits.

    With a `key` (a notification: an escalation's page), the call is made at most once however
    often the task runs — a redelivery after a worker restart finds the key claimed."""
    task_enqueue_after_commit(TELEGRAM_CALL_TASK, organisation_id, method, params, key)


def telegram_call_deliver(
    *, organisation_id: int, method: str, params: dict[str, Any], key: str | None = None
) -> Any:
    """The task's work: nothing when the bot was unlinked meanwhile or the key was claimed by an
    earlier run; TelegramApiError otherwise (the key is then released, so a retry may send)."""
    bot = TelegramBot.objects.all_tenants().filter(organisation_id=organisation_id).first()
    if bot is None:
        return None
    if key is not None:
        try:
            with transaction.atomic():
                NotificationReceipt.objects.create(key=key)
        except IntegrityError:
            return None  # already sent by an earlier run of the same task
    try:
        return bot_call(token_decrypt(bot.token_encrypted), method, params)
    except TelegramApiError:
        if key is not None:
            NotificationReceipt.objects.filter(key=key).delete()
        raise
