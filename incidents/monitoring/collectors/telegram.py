"""Telegram Bot API (https://core.telegram.org/bots/api): ``getUpdates`` with a stored offset
delivers the posts of the channels and the messages of the chats the bot was added to, including
the comments of a channel's discussion group (messages replying to the group's automatic forward
of the channel post).

An update is confirmed once getUpdates is called with an offset above its ``update_id``, so the
cursor's offset only moves when the poller stores the result: a poll that fails after fetching
gets the same updates again (ingest is idempotent), none is lost. Telegram keeps unconfirmed
updates for 24 hours: poll more often than that. A bot with a webhook cannot use getUpdates (409).
What a bot sees: channel posts only where it is an administrator; in groups, with privacy mode
on (the default, BotFather /setprivacy), only commands and replies to it, so turn it off or make
the bot an administrator.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Alike the other collectors' imports (bluesky.py, mastodon.py, rss.py, telegram.py, vk.py,
# youtube.py) on purpose: each names the shared base helpers it calls.
from .base import (
    Batch,
    CollectorError,
    CollectResult,
    FieldSpec,
    from_unix,
    http,
    iso,
    item,
    json_body,
    malformed,
    now,
    parse_iso,
    redact,
    unavailable_status,
    validate_declared,
)

SERVICE = "Telegram"
LIMIT = 100
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post"]
TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,100}")
MEMBERS_TTL = timedelta(hours=24)


def _chat_filter(config: dict) -> tuple[set[int], set[str]] | None:
    wanted = config.get("chat_ids") or []
    if not wanted:
        return None
    ids, names = set(), set()
    for value in wanted:
        text = str(value).strip()
        if text.startswith("@"):
            names.add(text[1:].lower())
        else:
            try:
                ids.add(int(text))
            except ValueError:
                continue
    return ids, names


def _message_link(chat: dict, message_id: Any) -> str:
    username = chat.get("username")
    if username:
        return f"https://t.me/{username}/{message_id}"
    chat_id = str(chat.get("id", ""))
    if chat.get("type") in ("supergroup", "channel") and chat_id.startswith("-100"):
        # Private supergroups and channels: t.me/c/<id without the -100 prefix>/<message>.
        return f"https://t.me/c/{chat_id[4:]}/{message_id}"
    return ""


def _channel_origin(message: dict) -> tuple[dict, Any] | None:
    """The channel post a message forwards: Bot API 7.0 ``forward_origin`` or the older
    ``forward_from_chat`` / ``forward_from_message_id`` pair."""
    origin = message.get("forward_origin")
    if (
        isinstance(origin, dict)
        and origin.get("type") == "channel"
        and isinstance(origin.get("chat"), dict)
    ):
        return origin["chat"], origin.get("message_id")
    chat = message.get("forward_from_chat")
    if isinstance(chat, dict) and message.get("forward_from_message_id") is not None:
        return chat, message["forward_from_message_id"]
    return None


def _author(message: dict) -> str:
    sender_chat = message.get("sender_chat")
    if isinstance(sender_chat, dict):
        return str(sender_chat.get("title") or sender_chat.get("username") or "")
    sender = message.get("from")
    if isinstance(sender, dict):
        name = f"{sender.get('first_name', '')} {sender.get('last_name', '')}".strip()
        return name or (f"@{sender['username']}" if sender.get("username") else "")
    chat = message.get("chat") or {}
    return str(message.get("author_signature") or chat.get("title") or "")


# Alike the other collector classes (bluesky.py, mastodon.py, vk.py, youtube.py) on purpose:
# the Collector protocol's declarations, with the bot's own token, chat filter and getUpdates
# offset; what they share is already in base.py.
class TelegramCollector:
    kind = "telegram"
    platform = "telegram"
    config_fields = (
        FieldSpec(
            "chat_ids",
            _("Chats to keep"),
            kind="list",
            help=_("Chat ids or @usernames; empty keeps every chat and channel the bot is in."),
        ),
    )
    credential_fields = (
        FieldSpec(
            "bot_token",
            _("Bot token"),
            required=True,
            help=_("From @BotFather (/newbot); add the bot to the channels and chats."),
        ),
    )

    def validate(self, config: dict, credentials: dict) -> dict[str, list[str]]:
        errors = validate_declared(self, config, credentials)
        token = (credentials or {}).get("bot_token") if isinstance(credentials, dict) else None
        if isinstance(token, str) and token and not TOKEN_RE.fullmatch(token.strip()):
            errors.setdefault("credentials.bot_token", []).append(
                str(_("Does not look like a bot token (digits, a colon, then letters)."))
            )
        chats = (config or {}).get("chat_ids") if isinstance(config, dict) else None
        if isinstance(chats, list):
            for value in chats:
                text = str(value).strip()
                if not (re.fullmatch(r"-?\d+", text) or re.fullmatch(r"@\w{4,32}", text)):
                    errors.setdefault("config.chat_ids", []).append(
                        str(_("Each chat is a numeric id or an @username."))
                    )
                    break
        return errors

    def _call(self, method: str, payload: dict[str, Any], credentials: dict) -> Any:
        token = str(credentials.get("bot_token", "")).strip()
        url = f"{settings.TELEGRAM_API_URL.rstrip('/')}/bot{token}/{method}"
        response = http("POST", url, service=SERVICE, json=payload, timeout=20.0)
        if response.status_code >= 500:
            raise unavailable_status(SERVICE, response.status_code)
        body = json_body(response, service=SERVICE)
        if not isinstance(body, dict) or not isinstance(body.get("ok"), bool):
            raise malformed(SERVICE, "no ok field")
        if body["ok"]:
            if "result" not in body:
                raise malformed(SERVICE, "no result")
            return body["result"]
        raise self._error(body, response.status_code, token)

    def _error(self, body: dict, status: int, token: str) -> CollectorError:
        code = body.get("error_code") if isinstance(body.get("error_code"), int) else status
        description = redact(str(body.get("description") or ""), [token])[:300]
        params = {"code": code, "message": description}
        if code in (401, 404):
            # 404 is what Telegram answers for a token that is not one.
            return CollectorError(
                "auth", _("Telegram refused the bot token: %(message)s (%(code)s)."), params=params
            )
        if code == 409:
            return CollectorError(
                "config",
                _(
                    "Telegram refuses getUpdates for this bot: %(message)s. A bot with a webhook "
                    "(or polled elsewhere) cannot be polled; remove the webhook or use another bot."
                ),
                params=params,
            )
        if code == 429:
            parameters = body.get("parameters")
            if not isinstance(parameters, dict):
                parameters = {}
            wait = parameters.get("retry_after")
            return CollectorError(
                "rate_limited",
                _("Telegram asks to wait: %(message)s."),
                params=params,
                retry_after=float(wait) if isinstance(wait, int | float) else 30.0,
            )
        return CollectorError(
            "unavailable",
            _("Telegram answered with an error: %(message)s (%(code)s)."),
            params=params,
        )

    def test_connection(self, config: dict, credentials: dict) -> None:
        me = self._call("getMe", {}, credentials)
        if not isinstance(me, dict) or not me.get("is_bot"):
            raise malformed(SERVICE, "getMe")
        webhook = self._call("getWebhookInfo", {}, credentials)
        if isinstance(webhook, dict) and webhook.get("url"):
            raise CollectorError(
                "config",
                _(
                    "This bot has a webhook set, so it cannot be polled; remove it or use another bot."
                ),
            )

    def collect(self, config: dict, credentials: dict, cursor: dict) -> CollectResult:
        cursor = cursor if isinstance(cursor, dict) else {}
        offset = cursor.get("offset") if isinstance(cursor.get("offset"), int) else None
        payload: dict[str, Any] = {"limit": LIMIT, "timeout": 0, "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            payload["offset"] = offset
        updates = self._call("getUpdates", payload, credentials)
        if not isinstance(updates, list):
            raise malformed(SERVICE, "getUpdates result")
        keep = _chat_filter(config)
        batch = Batch()
        chats: dict[int, dict] = {}
        pending: list[tuple[dict, dict]] = []
        top = offset - 1 if offset is not None else None
        for update in updates:
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                raise malformed(SERVICE, "update_id")
            top = update["update_id"] if top is None else max(top, update["update_id"])
            message = next(
                (update[k] for k in ALLOWED_UPDATES if isinstance(update.get(k), dict)), None
            )
            if message is None or not isinstance(message.get("chat"), dict):
                continue
            chat = message["chat"]
            if (
                keep
                and chat.get("id") not in keep[0]
                and (chat.get("username") or "").lower() not in keep[1]
            ):
                continue
            pending.append((message, chat))
            if isinstance(chat.get("id"), int):
                chats[chat["id"]] = chat
        members = self._members(chats, cursor.get("members"), credentials)
        for message, chat in pending:
            batch.add(self._item(message, chat, members))
        new_cursor: dict[str, Any] = {"members": members}
        if top is not None:
            new_cursor["offset"] = top + 1
        return CollectResult(items=batch.items, cursor=new_cursor, more=len(updates) >= LIMIT)

    def _item(self, message: dict, chat: dict, members: dict[str, list]) -> Any:
        posted_at = from_unix(message.get("date"))
        if posted_at is None:
            return None
        text = message.get("text") or message.get("caption") or ""
        chat_id, message_id = chat.get("id"), message.get("message_id")
        external_id, url = f"{chat_id}:{message_id}", _message_link(chat, message_id)
        origin = _channel_origin(message) if message.get("is_automatic_forward") else None
        if origin:
            # A discussion group's copy of a channel post: the same mention as the post itself.
            channel, post_id = origin
            external_id, url = f"{channel.get('id')}:{post_id}", _message_link(channel, post_id)
            chat = channel
        else:
            parent = message.get("reply_to_message")
            parent_origin = _channel_origin(parent) if isinstance(parent, dict) else None
            if parent_origin and parent_origin[0].get("username"):
                channel, post_id = parent_origin
                url = f"https://t.me/{channel['username']}/{post_id}?comment={message_id}"
        reach = (members.get(str(chat.get("id"))) or [0])[0]
        return item(
            platform=self.platform,
            external_id=external_id,
            text=text,
            posted_at=posted_at,
            author=_author(message),
            url=url,
            reach=reach,
        )

    def _members(self, chats: dict[int, dict], cached: Any, credentials: dict) -> dict[str, list]:
        """Member (subscriber) counts of the chats, asked at most once a day each."""
        known = cached if isinstance(cached, dict) else {}
        fresh: dict[str, list] = {}
        moment = now()
        for key, value in known.items():
            if (
                isinstance(value, list)
                and len(value) == 2
                and (parse_iso(value[1]) or moment) > moment - MEMBERS_TTL
            ):
                fresh[key] = value
        for chat_id in chats:
            if str(chat_id) in fresh:
                continue
            try:
                count = self._call("getChatMemberCount", {"chat_id": chat_id}, credentials)
            except CollectorError as exc:
                if exc.kind in ("auth", "rate_limited"):
                    raise
                count = 0
            fresh[str(chat_id)] = [count if isinstance(count, int) else 0, iso(moment)]
        return fresh
