"""A Telegram Bot API server (https://core.telegram.org/bots/api): ``/bot<token>/<method>`` by
GET or POST (query, form or JSON), answers ``{"ok": true, "result": …}`` or ``{"ok": false,
"error_code", "description", "parameters"?}`` with the same HTTP status.

Methods live in ``METHODS`` (name -> handler), so the bot's own calls (sendMessage,
editMessageText, answerCallbackQuery, setWebhook …, issue 18) are added there. getUpdates follows
the documented rules: an update is confirmed (dropped) once called with a higher offset,
``allowed_updates`` persists between calls when omitted, and a webhook makes it answer 409.
"""

from __future__ import annotations

import itertools
import json
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
        self.member_counts: dict[int, int] = {}
        self._update_ids = itertools.count(500_000)
        self._message_ids: dict[int, itertools.count] = {}

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
    server.webhook_url = str(params.get("url") or "")
    return True


def delete_webhook(server: TelegramServer, params: dict[str, Any]) -> bool:
    server.webhook_url = ""
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
}
