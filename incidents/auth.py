"""WebSocket authentication: a one-time `?ticket=` or, failing that, the session cookie."""

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from tenants.services import ws_ticket_redeem


class TicketAuthMiddleware(BaseMiddleware):
    """Replaces scope["user"] by the ticket's user when a ticket is given.

    A bad, used or expired ticket makes the connection anonymous even with a session, so a
    leaked ticket URL can never ride on someone else's cookie.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode(errors="replace"))
        tickets = query.get("ticket")
        if tickets:
            user = await database_sync_to_async(ws_ticket_redeem)(token=tickets[0][:200])
            scope = dict(scope, user=user or AnonymousUser())
        return await super().__call__(scope, receive, send)


def TicketOrSessionAuthMiddleware(inner: Any) -> Any:
    return AuthMiddlewareStack(TicketAuthMiddleware(inner))
