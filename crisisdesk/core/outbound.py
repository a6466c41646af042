"""THROWAWAY stand-in for the outbound-HTTP policy (the `trust` helper writes the real one):
same interface over plain httpx, no address checks. Replaced by main's version on rebase."""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass
from typing import Any

import httpx


class OutboundRefused(Exception):
    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


class OutboundError(Exception):
    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


@dataclass(frozen=True)
class OutboundResponse:
    status_code: int
    headers: httpx.Headers
    content: bytes
    url: str

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def check_url(url: str) -> None:
    if not url.lower().startswith(("http://", "https://")):
        raise OutboundRefused("scheme", "Only http and https URLs are allowed.")


def request(
    method: str,
    url: str,
    *,
    params: Any = None,
    headers: dict[str, str] | None = None,
    json: Any = None,
    content: bytes | None = None,
    data: Any = None,
    timeout: float = 10.0,
    max_bytes: int = 5_000_000,
) -> OutboundResponse:
    check_url(url)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(
                method, url, params=params, headers=headers, json=json, content=content, data=data
            ) as response,
        ):
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise OutboundError("too_large", "The response is too large.")
            return OutboundResponse(
                response.status_code, response.headers, bytes(body), str(response.url)
            )
    except httpx.TimeoutException:
        raise OutboundError("timeout", "The server did not answer in time.") from None
    except httpx.HTTPError:
        raise OutboundError("network", "The server could not be reached.") from None
