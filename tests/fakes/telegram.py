"""A Telegram Bot API server (https://core.telegram.org/bots/api): ``/bot<token>/<method>`` by
GET or POST (query, form or JSON), answers ``{"ok": true, "result": …}`` or ``{"ok": false,
"error_code", "description", "parameters"?}`` with the same HTTP status.

Methods live in ``METHODS`` (name -> handler). getUpdates follows the documented rules: an
update is confirmed (dropped) once called with a higher offset, ``allowed_updates`` persists
between calls when omitted, and a webhook makes it answer 409. The bot's own calls behave as
Telegram's do: sendMessage only to chats the bot is in ("chat not found" otherwise), HTML
checked and stored without its tags, inline keyboards validated (64-byte callback data);
editMessageText refuses a missing message and an edit that changes nothing ("message is not
modified"); answerCallbackQuery answers a press once; setWebhook keeps its secret_token. The test
side adds presses of inline buttons (``press``) and replies to the bot's messages (``reply_to``).
"""

from __future__ import annotations

import html
import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from .base import FakeService, Request, Response

Handler = Callable[["TelegramServer", dict[str, Any]], Any]


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


class TelegramServer(FakeService):
    def __init__(self, token: str = "123456789:AAE-SECRET-bot-token-abcdefghijklmnop") -> None:
        super().__init__()
        self.token = token
        self.bot = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Crisis Desk",
            "username": "crisisdesk_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.updates: list[dict] = []
        self.allowed_updates: list[str] = []
        self.webhook_url = ""
        self.webhook_secret = ""
        self.member_counts: dict[int, int] = {}
        # The chats the bot is in (a chat that wrote to it, or one a test adds): sendMessage to
        # any other answers 400 "chat not found", as Telegram does.
        self.chats: dict[int, dict] = {}
        # What the bot sent, by (chat id, message id): the current text and buttons.
        self.sent: dict[tuple[int, int], dict] = {}
        self.edits: list[dict] = []
        self.callback_answers: list[dict] = []
        self._open_callbacks: set[str] = set()
        self._update_ids = itertools.count(500_000)
        self._message_ids: dict[int, itertools.count] = {}
        self._callback_ids = itertools.count(7_000_000)

    # -- the test's side ----------------------------------------------------------------------------

    def push(self, kind: str, message: dict) -> dict:
        update = {"update_id": next(self._update_ids), kind: message}
        self.updates.append(update)
        return update

    def message(
        self,
        chat: dict,
        text: str,
        date: int,
        *,
        sender: dict | None = None,
        kind: str | None = None,
        **extra: Any,
    ) -> dict:
        self.chats.setdefault(chat["id"], chat)
        ids = self._message_ids.setdefault(chat["id"], itertools.count(1))
        message: dict[str, Any] = {"message_id": next(ids), "date": date, "chat": chat, **extra}
        if sender is not None:
            message["from"] = sender
        if text:
            message["text"] = text
        if kind is None:
            kind = "channel_post" if chat["type"] == "channel" else "message"
        self.push(kind, message)
        return message

    def reply_to(self, sent: dict, sender: dict, text: str, date: int) -> dict:
        """A person's reply to a message the bot sent (``reply_to_message`` carries it)."""
        return self.message(sent["chat"], text, date, sender=sender, reply_to_message=sent)

    def press(self, sent: dict, sender: dict, data: str) -> dict:
        """A press of the inline button with callback_data `data` under a message the bot sent."""
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": sender,
            "message": sent,
            "chat_instance": f"ci{sent['chat']['id']}",
            "data": data,
        }
        return self.push("callback_query", query)

    def messages_in(self, chat_id: int) -> list[dict]:
        return [m for (cid, _), m in sorted(self.sent.items()) if cid == chat_id]

    # -- the wire -----------------------------------------------------------------------------------

    def route(self, request: Request) -> Response:
        path = unquote(request.path)
        if not path.startswith("/bot") or path.count("/") != 2:
            return Response.json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        token, method = path[4:].split("/", 1)
        if ":" not in token:
            return Response.json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        if token != self.token:
            return Response.json(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        params: dict[str, Any] = dict(request.params)
        if "application/json" in request.headers.get("content-type", "") and request.body:
            params.update(request.json())
        handler = METHODS.get(method)
        if handler is None:
            return Response.json(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"}, 404
            )
        try:
            return Response.json({"ok": True, "result": handler(self, params)})
        except ApiError as exc:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.parameters:
                body["parameters"] = exc.parameters
            return Response.json(body, exc.code)

    def flood(self, seconds: int = 17) -> None:
        self.fail_next.append(
            Response.json(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {seconds}",
                    "parameters": {"retry_after": seconds},
                },
                429,
                **{"Retry-After": str(seconds)},
            )
        )


def _list(value: Any) -> list:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def get_updates(server: TelegramServer, params: dict[str, Any]) -> list[dict]:
    if server.webhook_url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    if "allowed_updates" in params:
        server.allowed_updates = _list(params["allowed_updates"])
    offset = int(params.get("offset") or 0)
    if offset:
        server.updates = [u for u in server.updates if u["update_id"] >= offset]
    limit = max(1, min(int(params.get("limit") or 100), 100))
    wanted = server.allowed_updates
    visible = [u for u in server.updates if not wanted or any(k in u for k in wanted)]
    return visible[:limit]


def get_me(server: TelegramServer, params: dict[str, Any]) -> dict:
    return server.bot


def get_webhook_info(server: TelegramServer, params: dict[str, Any]) -> dict:
    return {
        "url": server.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(server.updates),
    }


def set_webhook(server: TelegramServer, params: dict[str, Any]) -> bool:
    secret = str(params.get("secret_token") or "")
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    server.webhook_url = str(params.get("url") or "")
    server.webhook_secret = secret
    if "allowed_updates" in params:
        server.allowed_updates = _list(params["allowed_updates"])
    return True


def delete_webhook(server: TelegramServer, params: dict[str, Any]) -> bool:
    server.webhook_url = ""
    server.webhook_secret = ""
    return True


def _markup(params: dict[str, Any]) -> dict | None:
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    if markup is not None:
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text") or not ({"url", "callback_data"} & set(button)):
                    raise ApiError(400, "Bad Request: can't parse inline keyboard button")
                if len(button.get("callback_data", "").encode()) > 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _text(params: dict[str, Any]) -> str:
    text = str(params.get("text") or "")
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > 4096:
        raise ApiError(400, "Bad Request: message is too long")
    if params.get("parse_mode") == "HTML":
        # Telegram refuses unknown or unclosed tags; the fake checks the ones the bot may use.
        stack = []
        for closing, tag in re.findall(r"<(/?)([a-z]+)[^>]*>", text):
            if tag not in {"b", "i", "a", "code", "pre", "u", "s"}:
                raise ApiError(400, f"Bad Request: can't parse entities: unsupported tag {tag}")
            if closing:
                if not stack or stack.pop() != tag:
                    raise ApiError(400, "Bad Request: can't parse entities: unmatched end tag")
            else:
                stack.append(tag)
        if stack:
            raise ApiError(400, "Bad Request: can't parse entities: unclosed tag")
        # Telegram keeps the text without the markup (the formatting goes to `entities`).
        return html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def send_message(server: TelegramServer, params: dict[str, Any]) -> dict:
    chat_id = int(params["chat_id"])
    chat = server.chats.get(chat_id)
    if chat is None:
        raise ApiError(400, "Bad Request: chat not found")
    text = _text(params)
    markup = _markup(params)
    ids = server._message_ids.setdefault(chat_id, itertools.count(1))
    message: dict[str, Any] = {
        "message_id": next(ids),
        "from": {k: server.bot[k] for k in ("id", "is_bot", "first_name", "username")},
        "chat": chat,
        "date": int(time.time()),
        "text": text,
    }
    if markup:
        message["reply_markup"] = markup
    if params.get("reply_to_message_id"):
        message["reply_to_message"] = {"message_id": int(params["reply_to_message_id"])}
    server.sent[(chat_id, message["message_id"])] = message
    return message


def edit_message_text(server: TelegramServer, params: dict[str, Any]) -> dict:
    key = (int(params["chat_id"]), int(params["message_id"]))
    message = server.sent.get(key)
    if message is None:
        raise ApiError(400, "Bad Request: message to edit not found")
    text = _text(params)
    markup = _markup(params)
    if text == message["text"] and markup == message.get("reply_markup"):
        raise ApiError(
            400,
            "Bad Request: message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message",
        )
    message["text"] = text
    if markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)
    message["edit_date"] = int(time.time())
    server.edits.append({"chat_id": key[0], "message_id": key[1], "text": text})
    return message


def answer_callback_query(server: TelegramServer, params: dict[str, Any]) -> bool:
    query_id = str(params.get("callback_query_id") or "")
    if query_id not in server._open_callbacks:
        raise ApiError(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )
    server._open_callbacks.discard(query_id)
    server.callback_answers.append(
        {
            "callback_query_id": query_id,
            "text": params.get("text", ""),
            "show_alert": bool(params.get("show_alert")),
        }
    )
    return True


def get_chat_member_count(server: TelegramServer, params: dict[str, Any]) -> int:
    chat_id = int(params["chat_id"])
    if chat_id not in server.member_counts:
        raise ApiError(400, "Bad Request: chat not found")
    return server.member_counts[chat_id]


METHODS: dict[str, Handler] = {
    "getUpdates": get_updates,
    "getMe": get_me,
    "getWebhookInfo": get_webhook_info,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getChatMemberCount": get_chat_member_count,
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "answerCallbackQuery": answer_callback_query,
}
