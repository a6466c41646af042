"""Validation of one incoming mention, by hand: it runs thousands of times a second."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from incidents.monitoring.models import Platform

MAX_TEXT_LENGTH = 10_000
# A monitoring tool's clock may run a little ahead; a day ahead is a broken item.
FUTURE_TOLERANCE = timedelta(days=1)

_PLATFORMS = frozenset(Platform.values)
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?")


class ItemRejected(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


REQUIRED = "This field is required."


def _string(item: dict, name: str, *, max_length: int, required: bool) -> str:
    value = item.get(name)
    if value is None:
        if required:
            raise ItemRejected(name, REQUIRED)
        return ""
    if not isinstance(value, str):
        raise ItemRejected(name, "Must be a string.")
    if len(value) > max_length:
        raise ItemRejected(name, f"At most {max_length} characters.")
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL; one such item must not fail the whole batch.
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ItemRejected(name, "Contains invalid Unicode.") from None
    return value


def _posted_at(value: Any, now: datetime) -> datetime:
    if value is None or value == "":
        raise ItemRejected("posted_at", REQUIRED)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ItemRejected("posted_at", "Must be an ISO 8601 date-time.") from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise ItemRejected("posted_at", "Must be an ISO 8601 date-time.")
    # No offset given: the monitoring tools we ingest from report UTC.
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if parsed > now + FUTURE_TOLERANCE:
        raise ItemRejected("posted_at", "Is more than a day in the future.")
    return parsed


def _reach(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ItemRejected("reach", "Must be a whole number ≥ 0.")
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise ItemRejected("reach", "Must be a whole number ≥ 0.")
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise ItemRejected("reach", "Must be a whole number ≥ 0.")
    if value > 10**15:
        raise ItemRejected("reach", "Is implausibly large.")
    return value


def mention_item_clean(item: Any, *, now: datetime) -> dict[str, Any]:
    """Validate one incoming mention; raises ItemRejected(field, reason).

    Hand-written rather than a DRF serializer: this runs thousands of times a second.
    Required: platform, external_id, text, posted_at. Optional: author, url, language, reach.
    """
    if not isinstance(item, dict):
        raise ItemRejected("non_field_errors", "Must be an object.")
    platform = item.get("platform")
    if platform is None:
        raise ItemRejected("platform", REQUIRED)
    if platform not in _PLATFORMS:
        raise ItemRejected("platform", f"Must be one of: {', '.join(Platform.values)}.")
    external_id = item.get("external_id")
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if external_id is None:
        raise ItemRejected("external_id", REQUIRED)
    if not isinstance(external_id, str):
        raise ItemRejected("external_id", "Must be a string.")
    external_id = external_id.strip()
    if not external_id:
        raise ItemRejected("external_id", "May not be blank.")
    if len(external_id) > 200 or "\x00" in external_id:
        raise ItemRejected("external_id", "At most 200 characters, no NUL.")
    if not external_id.isascii():
        try:
            external_id.encode("utf-8")
        except UnicodeEncodeError:
            raise ItemRejected("external_id", "Contains invalid Unicode.") from None
    text = _string(item, "text", max_length=MAX_TEXT_LENGTH, required=True)
    if not text.strip():
        raise ItemRejected("text", "May not be blank.")
    posted_at = _posted_at(item.get("posted_at"), now)
    url = _string(item, "url", max_length=2000, required=False).strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise ItemRejected("url", "Must be an http(s) URL.")
    language = _string(item, "language", max_length=16, required=False).strip().lower()
    if language and not _LANGUAGE_RE.fullmatch(language):
        raise ItemRejected("language", "Must be a language code such as ru or en.")
    return {
        "platform": platform,
        "external_id": external_id,
        "text": text,
        "posted_at": posted_at,
        "author": _string(item, "author", max_length=200, required=False).strip(),
        "url": url,
        "language": language,
        "reach": _reach(item.get("reach")),
    }
