"""Linking: the organisation's bot (PUT/DELETE …/telegram/), one-time codes for chats (a team's
or a brand's) and for members, and unlinking them again from the web app.

Codes are random (96 bits), shown once, stored as a SHA-256 hash, valid for
TELEGRAM_LINK_CODE_MINUTES and used once; a chat sends ``/start <code>`` (see updates.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict, DomainError, NotFound
from incidents.notifications.models import (
    TelegramAccount,
    TelegramBot,
    TelegramChat,
    TelegramLinkCode,
)
from incidents.notifications.telegram.client import (
    TOKEN_RE,
    TelegramApiError,
    bot_call,
    token_decrypt,
    token_encrypt,
)
from tenants.models import Brand, Membership, Organisation, Team
from tenants.services import audit_record

# The updates the bot asks for: commands and replies, and presses of its inline buttons.
ALLOWED_UPDATES = ["message", "channel_post", "callback_query"]


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def webhook_url(bot_webhook_id: object) -> str:
    return f"{settings.TELEGRAM_WEBHOOK_BASE_URL.rstrip('/')}/api/v1/telegram/{bot_webhook_id}/"


def telegram_bot_link(*, organisation: Organisation, by: Membership, bot_token: str) -> TelegramBot:
    """Link (or replace) the organisation's bot. The caller checked that the actor is an owner.

    Refuses (400, field bot_token) a token Telegram does not accept (getMe). With
    TELEGRAM_WEBHOOK_BASE_URL the bot gets a webhook with a fresh secret token (production);
    without it the webhook is removed and the worker long-polls getUpdates (embedded mode).
    """
    bot_token = bot_token.strip()
    if not TOKEN_RE.fullmatch(bot_token):
        raise DomainError(gettext_lazy("This is not a Telegram bot token."), field="bot_token")
    try:
        me = bot_call(bot_token, "getMe")
    except TelegramApiError as exc:
        raise DomainError(
            gettext_lazy("Telegram did not accept this token (%(code)s)."),
            params={"code": exc.code},
            field="bot_token",
        ) from None
    existing = TelegramBot.objects.all_tenants().filter(organisation=organisation).first()
    bot = existing or TelegramBot(organisation=organisation)
    secret = ""
    try:
        if settings.TELEGRAM_WEBHOOK_BASE_URL:
            secret = secrets.token_urlsafe(32)
            bot_call(
                bot_token,
                "setWebhook",
                {
                    "url": webhook_url(bot.webhook_id),
                    "secret_token": secret,
                    "allowed_updates": ALLOWED_UPDATES,
                },
            )
        else:
            bot_call(bot_token, "deleteWebhook", {"drop_pending_updates": False})
    except TelegramApiError as exc:
        # Alike the getMe refusal above on purpose: each Telegram call refused, in its own words.
        raise DomainError(
            gettext_lazy("Telegram refused to set up the bot's updates (%(code)s)."),
            params={"code": exc.code},
            field="bot_token",
        ) from None
    with transaction.atomic():
        if existing is not None and existing.bot_user_id != int(me["id"]):
            bot.update_offset = 0  # another bot: its update ids start elsewhere
        bot.token_encrypted = token_encrypt(bot_token)
        bot.bot_user_id = int(me["id"])
        bot.username = str(me.get("username") or "")[:64]
        bot.mode = TelegramBot.Mode.WEBHOOK if secret else TelegramBot.Mode.POLLING
        bot.webhook_secret_hash = secret_hash(secret) if secret else ""
        bot.linked_by = by.user
        bot.save()
        audit_record(
            organisation=organisation,
            actor=by.user,
            action="telegram.bot_linked",
            target=f"@{bot.username}",
            payload={"mode": bot.mode},
        )
    return bot


def telegram_bot_unlink(*, organisation: Organisation, by: Membership) -> None:
    """Forget the bot, its linked chats and people and its open codes. Telegram is asked to drop
    the webhook (best effort: a revoked token cannot)."""
    bot = TelegramBot.objects.all_tenants().filter(organisation=organisation).first()
    if bot is None:
        raise NotFound(gettext_lazy("No Telegram bot is linked."))
    if bot.mode == TelegramBot.Mode.WEBHOOK:
        with contextlib.suppress(TelegramApiError):
            bot_call(token_decrypt(bot.token_encrypted), "deleteWebhook")
    with transaction.atomic():
        TelegramChat.objects.filter(organisation=organisation).delete()
        TelegramAccount.objects.filter(organisation=organisation).delete()
        TelegramLinkCode.objects.filter(organisation=organisation).delete()
        bot.delete()
        # Alike telegram_bot_link's audit above on purpose: each change audits its own action.
        audit_record(
            organisation=organisation,
            actor=by.user,
            action="telegram.bot_unlinked",
            target=f"@{bot.username}",
        )


def _code_issue(
    *,
    by: Membership,
    team: Team | None = None,
    brand: Brand | None = None,
    for_member: bool = False,
) -> tuple[str, datetime]:
    if not TelegramBot.objects.filter(organisation_id=by.organisation_id).exists():
        raise Conflict(gettext_lazy("Link the organisation's Telegram bot first."))
    code = secrets.token_urlsafe(12)  # 16 characters of [A-Za-z0-9_-]: a valid /start parameter
    expires_at = timezone.now() + timedelta(minutes=settings.TELEGRAM_LINK_CODE_MINUTES)
    TelegramLinkCode.objects.create(
        organisation_id=by.organisation_id,
        code_hash=secret_hash(code),
        team=team,
        brand=brand,
        membership=by if for_member else None,
        created_by=by.user,
        expires_at=expires_at,
    )
    return code, expires_at


def telegram_chat_code_issue(
    *, by: Membership, team: Team | None = None, brand: Brand | None = None
) -> tuple[str, datetime]:
    """A code that links the chat which sends it to this team or brand (exactly one of them,
    already scoped to the member by the caller). Refuses without a linked bot (409)."""
    if (team is None) == (brand is None):
        raise DomainError(gettext_lazy("Give a team or a brand."), field="team")
    return _code_issue(by=by, team=team, brand=brand)


def telegram_member_code_issue(*, by: Membership) -> tuple[str, datetime]:
    """A code that links the Telegram user who sends it, in a private chat, to this member."""
    return _code_issue(by=by, for_member=True)


# Alike telegram_account_unlink below on purpose: each forgets its own row and audits its own
# action and target; a shared helper would only pass the three through.
def telegram_chat_unlink(*, by: Membership, chat: TelegramChat) -> None:
    """Stop sending to a chat (the caller scoped `chat` to the member's organisation)."""
    with transaction.atomic():
        chat.delete()
        audit_record(
            organisation=by.organisation,
            actor=by.user,
            action="telegram.chat_unlinked",
            target=chat.title or str(chat.chat_id),
        )


def telegram_account_unlink(*, by: Membership, account: TelegramAccount) -> None:
    """Forget a member's Telegram user: their presses and replies no longer act as them."""
    with transaction.atomic():
        account.delete()
        audit_record(
            organisation=by.organisation,
            actor=by.user,
            action="telegram.account_unlinked",
            target=str(account.membership_id),
        )
