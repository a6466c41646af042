"""The client's address: one function for the throttles, the login lockout and the audit.

`X-Forwarded-For` is a list that every proxy appends to, and anyone can send one: only the
entries our own proxies appended can be believed. With `TRUSTED_PROXY_COUNT = N` proxies in
front of the ASGI server, the nearest one is the socket peer and the N entries at the right
of the header were written by them; the Nth from the right is the address the outermost
proxy saw connect, i.e. the client. Everything to its left is whatever the client sent.

`TRUSTED_PROXY_COUNT = 0` (the default) ignores forwarded headers: the socket address is the
client. The ASGI server must not rewrite the socket address from the headers itself (uvicorn
`--no-proxy-headers`, daphne without `--proxy-headers`: docs/deploy.md), or both would trust
the same header and the count would be off by one.

Hand-written rather than django-ipware: its header-precedence heuristics (X-Real-IP, …,
"the first public address") are exactly the trust-the-client behaviour removed here, and the
rule is the few lines below.
"""

import contextvars
import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def _valid(candidate: str) -> str | None:
    candidate = candidate.strip()
    if candidate.startswith("[") and "]" in candidate:  # [v6]:port
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # v4:port
        candidate = candidate.split(":")[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def client_ip(request: Any) -> str:
    """The client's address for this request (an HttpRequest or a DRF Request)."""
    meta = request.META
    peer = meta.get("REMOTE_ADDR") or ""
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if count <= 0:
        return peer
    forwarded = [part for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return peer  # did not come through the proxies: the peer is the client
    # Fewer entries than proxies: all of them were written by our proxies; the left-most is
    # the furthest back any of them saw.
    chosen = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    return _valid(chosen) or peer


_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def current_client_ip() -> str | None:
    """The address of the request being served (None outside one: tasks, commands)."""
    return _current.get()


class ClientIpMiddleware:
    """Remembers client_ip(request) for the request, so that the audit records it without
    every service taking a request argument."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(client_ip(request) or None)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
