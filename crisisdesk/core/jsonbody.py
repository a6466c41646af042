"""The one JSON parser of every JSON body the server reads: a size limit and a depth limit,
answered with the API's JSON error shape (400 / 413), never a RecursionError or an HTML page.

DRF endpoints get it as their parser class (settings.REST_FRAMEWORK); an endpoint that reads
its body raw (the signed ingest: the signature covers the exact bytes) calls `json_parse`.
The size limit is Django's own DATA_UPLOAD_MAX_MEMORY_SIZE (settings: MAX_REQUEST_BODY), so a
body too large for Django (RequestDataTooBig) and for the parser read the same: 413.
"""

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rest_framework import parsers, status

from crisisdesk.core.exceptions import DomainError


class JSONRefused(DomainError):
    """A body that is not acceptable JSON: 400."""

    code = "parse_error"
    api_speaks_member_language = True


class BodyTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "too_large"
    api_speaks_member_language = True


def _size(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return _("%(count)d MiB") % {"count": limit // (1024 * 1024)}
    return ngettext("%(count)d byte", "%(count)d bytes", limit) % {"count": limit}


def body_too_large(limit: int | None = None) -> BodyTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    return BodyTooLarge(
        gettext_lazy("The body is larger than %(size)s."),
        params={"size": _size(limit)},
        limit=limit,
    )


def too_deep(depth: int) -> JSONRefused:
    return JSONRefused(
        gettext_lazy("JSON nested deeper than %(limit)d levels."), params={"limit": depth}
    )


def _refuse_constant(name: str) -> None:
    # NaN and Infinity are not JSON (RFC 8259), though Python's json reads them.
    raise ValueError(f"{name} is not valid JSON")


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, list | dict))
    return False


def json_parse(raw: bytes, *, max_depth: int | None = None) -> Any:
    """The body as JSON; JSONRefused (400) for invalid UTF-8, malformed JSON (NaN, Infinity
    and integers of more than 4,300 digits included) or nesting deeper than max_depth
    (settings.JSON_MAX_DEPTH, 20)."""
    max_depth = settings.JSON_MAX_DEPTH if max_depth is None else max_depth
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JSONRefused(gettext_lazy("The body is not valid UTF-8.")) from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        # The C scanner recurses per nesting level; a hostile body must not reach the
        # interpreter's limit as a 500.
        raise too_deep(max_depth) from None
    except ValueError as exc:
        raise JSONRefused(
            gettext_lazy("Malformed JSON: %(error)s"), params={"error": exc}
        ) from None
    if isinstance(data, list | dict) and _deeper_than(data, max_depth):
        raise too_deep(max_depth)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser through `json_parse`. DRF hands a JSONParser subclass the body read
    by Django, which refuses one over DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig: 413 in
    crisisdesk.api.exception_handler); the read below is the same limit for any other
    stream."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise body_too_large(limit)
        return json_parse(raw)
