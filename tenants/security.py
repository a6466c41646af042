"""Responses of the security layer (login lockout)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse


def lockout_response(
    request: HttpRequest,
    response: Any = None,
    credentials: dict | None = None,
    *args: Any,
    **kwargs: Any,
) -> JsonResponse:
    """A JSON 429 with Retry-After, for the API and the login page alike."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    reply = JsonResponse(
        {
            "detail": "Too many failed login attempts. Try again in 15 minutes.",
            "code": "locked_out",
        },
        status=429,
    )
    reply["Retry-After"] = str(seconds)
    return reply
