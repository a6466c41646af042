"""What the bot receives: one update at a time, by long polling (embedded mode) or by webhook.

Each update is handled in a transaction that holds the bot's row and moves its
`update_offset` past the update: a webhook call Telegram repeats, or a poll repeated after a
crash, finds the offset moved and does nothing. An update that fails is logged and skipped
(never retried forever). Chats and people the organisation never linked are ignored.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from incidents.notifications.models import (
    Channel,
    TelegramAccount,
    TelegramBot,
    TelegramChat,
    TelegramLinkCode,
)
from incidents.notifications.services import notify
from incidents.notifications.telegram.client import TelegramApiError, bot_call, token_decrypt
from incidents.notifications.telegram.linking import ALLOWED_UPDATES, secret_hash
from tenants.mail import language_of

logger = logging.getLogger(__name__)

START_RE = re.compile(r"^/start(?:@(?P<bot>\w+))?(?:\s+(?P<code>[A-Za-z0-9_-]{1,64}))?\s*$")
COMMAND_RE = re.compile(r"^/(?P<name>[a-z_]+)(?:@(?P<bot>\w+))?(?:\s|$)")

# What the parts built on linking add: handlers of commands, button presses and replies
# (incident messages register theirs). Each takes (bot, update) and returns an outcome or None.
UpdateHandler = Callable[[TelegramBot, dict[str, Any]], "str | None"]
_HANDLERS: list[UpdateHandler] = []


def update_handler_register(handler: UpdateHandler) -> None:
    if handler not in _HANDLERS:
        _HANDLERS.append(handler)


def reply(bot: TelegramBot, chat_id: int, text: str, **extra: Any) -> None:
    notify(
        organisation=bot.organisation,
        channel=Channel.TELEGRAM,
        kind="telegram.reply",
        method="sendMessage",
        params={"chat_id": chat_id, "text": text, **extra},
    )


def _link_by_code(bot: TelegramBot, message: dict[str, Any], code: str) -> str:
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    now = timezone.now()
    row = (
        TelegramLinkCode.objects.select_for_update(of=("self",))
        .select_related("team", "brand", "membership__user", "created_by")
        .filter(
            organisation_id=bot.organisation_id,
            code_hash=secret_hash(code),
            used_at__isnull=True,
            expires_at__gt=now,
        )
        .first()
    )
    if row is None:
        if chat.get("type") == "private":
            reply(bot, chat["id"], _("This code is not valid or has expired."))
        return "bad_code"
    if row.membership is not None:
        if chat.get("type") != "private" or not sender.get("id"):
            return "member_code_outside_private_chat"  # kept for the private chat
        TelegramAccount.objects.filter(
            Q(membership=row.membership)
            | Q(organisation_id=bot.organisation_id, telegram_user_id=sender["id"])
        ).delete()
        TelegramAccount.objects.create(
            organisation_id=bot.organisation_id,
            membership=row.membership,
            telegram_user_id=int(sender["id"]),
            username=str(sender.get("username") or "")[:64],
        )
        row.used_at = now
        row.save(update_fields=["used_at"])
        with translation.override(language_of(row.membership.user)):
            reply(
                bot,
                chat["id"],
                _("Linked: in %(organisation)s you act as %(member)s.")
                % {
                    "organisation": row.membership.organisation.name,
                    "member": row.membership.user.get_username(),
                },
            )
        return "member_linked"
    language = language_of(row.created_by)
    TelegramChat.objects.update_or_create(
        organisation_id=bot.organisation_id,
        chat_id=int(chat["id"]),
        defaults={
            "chat_type": str(chat.get("type") or "")[:16],
            "title": str(chat.get("title") or chat.get("username") or "")[:256],
            "team": row.team,
            "brand": row.brand,
            "language": language,
            "linked_by": row.created_by,
        },
    )
    row.used_at = now
    row.save(update_fields=["used_at"])
    with translation.override(language):
        scope = (
            _("team %(name)s") % {"name": row.team.name}
            if row.team
            else _("brand %(name)s") % {"name": row.brand.name}  # type: ignore[union-attr]
        )
        reply(
            bot,
            chat["id"],
            _("This chat now receives the incidents of %(scope)s.") % {"scope": scope},
        )
    return "chat_linked"


def _dispatch(bot: TelegramBot, update: dict[str, Any]) -> str:
    message = update.get("message") or update.get("channel_post")
    if isinstance(message, dict):
        match = START_RE.match(str(message.get("text") or "").strip())
        if match and (match["bot"] is None or match["bot"].lower() == bot.username.lower()):
            if match["code"]:
                return _link_by_code(bot, message, match["code"])
            return "start_without_code"
    for handler in _HANDLERS:
        outcome = handler(bot, update)
        if outcome is not None:
            return outcome
    return "ignored"


def telegram_update_handle(*, bot_id: int, update: dict[str, Any]) -> str:
    """Handle one update once; returns what was done ("duplicate", "ignored", "chat_linked" …)."""
    try:
        update_id = int(update.get("update_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "malformed"
    with transaction.atomic():
        bot = (
            TelegramBot.objects.all_tenants()
            .select_for_update()
            .select_related("organisation")
            .filter(pk=bot_id)
            .first()
        )
        if bot is None:
            return "no_bot"
        if update_id < bot.update_offset:
            return "duplicate"
        try:
            with transaction.atomic():
                outcome = _dispatch(bot, update)
        except Exception:
            logger.exception("telegram update %s of bot %s failed; skipped", update_id, bot_id)
            outcome = "failed"
        bot.update_offset = update_id + 1
        bot.save(update_fields=["update_offset"])
    return outcome


def telegram_bot_poll(*, bot_id: int, timeout: int = 0, budget: float = 0.0) -> int:
    """Long-poll getUpdates for one bot in polling mode, for about `budget` seconds (at least one
    call), and handle what arrives. One poller per bot: the lease on the bot's row is claimed
    by a conditional UPDATE, so a second worker's run returns at once. Returns the number of
    updates handled."""
    now = timezone.now()
    lease = now + timedelta(seconds=budget + timeout + 30)
    claimed = (
        TelegramBot.objects.all_tenants()
        .filter(pk=bot_id, mode=TelegramBot.Mode.POLLING)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
        .update(poll_lease_until=lease)
    )
    if not claimed:
        return 0
    handled = 0
    deadline = time.monotonic() + budget
    try:
        while True:
            bot = TelegramBot.objects.all_tenants().filter(pk=bot_id).first()
            if bot is None or bot.mode != TelegramBot.Mode.POLLING:
                break
            params: dict[str, Any] = {"timeout": timeout, "allowed_updates": ALLOWED_UPDATES}
            if bot.update_offset:
                params["offset"] = bot.update_offset
            try:
                updates = bot_call(
                    token_decrypt(bot.token_encrypted), "getUpdates", params, timeout=timeout + 10
                )
            except TelegramApiError as exc:
                logger.warning("telegram getUpdates of bot %s failed: %s", bot_id, exc)
                break
            for update in updates or []:
                if isinstance(update, dict):
                    telegram_update_handle(bot_id=bot_id, update=update)
                    handled += 1
            if time.monotonic() >= deadline:
                break
    finally:
        TelegramBot.objects.all_tenants().filter(pk=bot_id, poll_lease_until=lease).update(
            poll_lease_until=None
        )
    return handled


def telegram_polling_bots() -> list[int]:
    """The bots the worker polls (embedded mode), whose lease is free."""
    now = timezone.now()
    return list(
        TelegramBot.objects.all_tenants()
        .filter(mode=TelegramBot.Mode.POLLING, organisation__deleted_at__isnull=True)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
        .values_list("id", flat=True)
    )


def telegram_webhook_bot(*, webhook_id: str, secret: str) -> TelegramBot | None:
    """The bot whose webhook this is, if the secret token matches (compared as hashes)."""
    bot = (
        TelegramBot.objects.all_tenants()
        .filter(webhook_id=webhook_id, mode=TelegramBot.Mode.WEBHOOK)
        .first()
    )
    if bot is None or not bot.webhook_secret_hash:
        return None
    if not hmac.compare_digest(secret_hash(secret), bot.webhook_secret_hash):
        return None
    return bot
