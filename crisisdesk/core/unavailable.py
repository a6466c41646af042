"""A database outage answers 503 with Retry-After, quickly, instead of a hang or a 500.

The one rule: an error of the database connection (django.db OperationalError and
InterfaceError: refused or lost connections, a server shutting down, psycopg_pool's
PoolTimeout after DB_POOL_TIMEOUT) raised while answering a request is a 503 with
`Retry-After` — the API's JSON error shape under /api/, a short page in the visitor's
language elsewhere. Three doors lead here, one per place Django lets an error out:
`crisisdesk.api.exception_handler` (DRF views), `DatabaseOutageMiddleware.process_exception`
(other views) and `server_error` (the 500 handler: errors raised in middleware, such as the
session lookup of a signed-in visitor). The pool recovers by itself: a broken connection is
discarded when it is returned, and each new request asks the pool again.
"""

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

try:  # PostgreSQL's driver; its errors are wrapped by Django, except where Django is bypassed.
    from psycopg import InterfaceError as PsycopgInterfaceError
    from psycopg import OperationalError as PsycopgOperationalError

    _OUTAGES: tuple[type[BaseException], ...] = (
        OperationalError,
        InterfaceError,
        PsycopgOperationalError,  # psycopg_pool.PoolTimeout is one
        PsycopgInterfaceError,
    )
except ImportError:  # pragma: no cover - SQLite-only installs
    _OUTAGES = (OperationalError, InterfaceError)


def is_database_outage(exc: BaseException | None) -> bool:
    """True for an error of the database connection, not of a statement: SQLite's "database
    is locked" is an OperationalError too, and is an outage of the same kind (try again)."""
    return isinstance(exc, _OUTAGES)


def retry_after() -> str:
    return str(settings.DB_OUTAGE_RETRY_AFTER)


def _message() -> str:
    return _("The database is unavailable for a moment. Try again in a few seconds.")


def unavailable_body() -> dict[str, str]:
    return {"detail": _message(), "code": "unavailable"}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for a request that met a database outage: JSON under /api/, a page elsewhere.
    The page is a template of its own, rendered without the request: the base template reads
    the signed-in user, which needs the database that is missing."""
    logger.warning("database unavailable: %s %s: %r", request.method, request.path, exc)
    if _is_api(request):
        response: HttpResponse = JsonResponse(unavailable_body(), status=503)
    else:
        page = render_to_string("503.html", {"message": _message()})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = retry_after()
    return response


class DatabaseOutageMiddleware:
    """Views (and DRF, when its handler lets an error through): an outage is a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_outage(exception):
            return unavailable_response(request, exception)
        return None


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """handler500: an outage raised outside a view (a middleware's session or user lookup)
    is still a 503; anything else is Django's 500 page."""
    exc = sys.exc_info()[1]
    if is_database_outage(exc):
        return unavailable_response(request, exc)  # type: ignore[arg-type]
    if _is_api(request):
        return JsonResponse({"detail": _("Server error."), "code": "error"}, status=500)
    return defaults.server_error(request, *args, **kwargs)
