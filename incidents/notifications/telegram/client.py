"""The Telegram Bot API (https://core.telegram.org/bots/api), through the outbound policy.

Every call is ``POST <TELEGRAM_API_URL>/bot<token>/<method>`` with a JSON body; Telegram answers
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code", "description", "parameters"?}``.
The token is part of the URL path, so no error message here ever carries the URL.

Tokens are encrypted at rest like every stored credential, by `crisisdesk.core.encryption`
(Fernet under SOURCE_CREDENTIALS_KEY, rotating).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from crisisdesk.core.encryption import DecryptionFailed, decrypt_json, encrypt_json
from crisisdesk.core.outbound import OutboundError, OutboundRefused, request

TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,100}")
MAX_RESPONSE_BYTES = 2_000_000
# Worth another attempt: Telegram is down, or asks us to slow down (retry_after).
RETRYABLE_CODES = frozenset({0, 429, 500, 502, 503, 504})


class TelegramApiError(Exception):
    """A Bot API call failed: ``code`` is Telegram's error_code (0: never reached Telegram)."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CODES


def bot_call(
    token: str, method: str, params: dict[str, Any] | None = None, *, timeout: float = 10.0
) -> Any:
    """Call one Bot API method and return its ``result``; raises TelegramApiError."""
    url = f"{settings.TELEGRAM_API_URL.rstrip('/')}/bot{token}/{method}"
    try:
        response = request(
            "POST", url, json=params or {}, timeout=timeout, max_bytes=MAX_RESPONSE_BYTES
        )
    except OutboundRefused as exc:
        raise TelegramApiError(0, f"refused: {exc.reason}") from None
    except OutboundError as exc:
        raise TelegramApiError(0, exc.reason) from None
    try:
        body = response.json()
    except ValueError:
        raise TelegramApiError(response.status_code, "not a JSON answer") from None
    if not isinstance(body, dict) or not body.get("ok"):
        body = body if isinstance(body, dict) else {}
        parameters = body.get("parameters") or {}
        raise TelegramApiError(
            int(body.get("error_code") or response.status_code),
            str(body.get("description") or "")[:500],
            retry_after=parameters.get("retry_after") if isinstance(parameters, dict) else None,
        )
    return body.get("result")


# --- the token at rest: the one encryption home (crisisdesk/core/encryption.py) ---


def token_encrypt(token: str) -> str:
    return encrypt_json({"bot_token": token})


def token_decrypt(encrypted: str) -> str:
    """The bot token; raises TelegramApiError when no configured key opens it."""
    try:
        return str(decrypt_json(encrypted).get("bot_token") or "")
    except DecryptionFailed:
        raise TelegramApiError(401, "the stored token cannot be decrypted") from None
