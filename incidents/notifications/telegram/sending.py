"""Calls the bot makes on its own (replies to commands, answers to button presses): a Celery task
enqueued after the caller's transaction commits, retried while Telegram is down or flooded."""

from __future__ import annotations

from typing import Any

from incidents.notifications.models import TelegramBot
from incidents.notifications.outbox import task_enqueue_after_commit
from incidents.notifications.telegram.client import bot_call, token_decrypt

TELEGRAM_CALL_TASK = "incidents.tasks.telegram_call"


def telegram_call_after_commit(
    *, organisation_id: int, method: str, params: dict[str, Any]
) -> None:
    """Call `method` with `params` through the organisation's bot once this transaction commits."""
    task_enqueue_after_commit(TELEGRAM_CALL_TASK, organisation_id, method, params)


def telegram_call_deliver(*, organisation_id: int, method: str, params: dict[str, Any]) -> Any:
    """The task's work: nothing when the bot was unlinked meanwhile; TelegramApiError otherwise."""
    bot = TelegramBot.objects.all_tenants().filter(organisation_id=organisation_id).first()
    if bot is None:
        return None
    return bot_call(token_decrypt(bot.token_encrypted), method, params)
