"""Validation of one incoming mention, by hand: it runs thousands of times a second.

The one home of what a mention item may be. The member bulk API, the signed ingest, the CSV
import (and the collectors, through `mention_ingest`) all go through `mention_item_clean`;
whatever a client sends, it either returns a clean item or raises ItemRejected with the field
and a reason in the active language. It never raises anything else: one malformed item must
not fail its batch.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from incidents.monitoring.models import Platform

MAX_TEXT_LENGTH = 10_000
MAX_EXTERNAL_ID_LENGTH = 200
# The window a posted_at must fall in: nothing a monitoring tool reports is older than
# 2000-01-01, and a tool's clock may run a little ahead, not more.
OLDEST_POSTED_AT = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(minutes=5)
# The longest ISO 8601 date-time worth parsing ("2025-03-10T11:58:00.123456+05:30" is 32).
_MAX_DATE_LENGTH = 64
_MAX_REACH = 10**15

_PLATFORMS = frozenset(Platform.values)
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?")
# Control characters other than tab, line feed and carriage return (C0, DEL, C1), and lone
# surrogates (not Unicode: PostgreSQL cannot store them, nor NUL). Refused with a reason,
# never stripped: a silently changed text is a wrong text.
_UNSTORABLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class ItemRejected(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def required() -> str:
    return _("This field is required.")


def _must_be_string() -> str:
    return _("Must be a string.")


def _check_characters(name: str, value: str) -> None:
    """Refuse a control character or a lone surrogate, naming the first and its position."""
    # Fast path for most values: printable text has neither (isprintable is one C loop; it
    # is false for line breaks, tabs, format characters and wider spaces too, which the
    # expression then allows).
    if value.isprintable():
        return
    found = _UNSTORABLE_RE.search(value)
    if found is None:
        return
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        raise ItemRejected(name, _("Contains invalid Unicode."))
    raise ItemRejected(
        name,
        _("Contains a control character (U+%(code)04X at position %(position)d).")
        % {"code": ord(char), "position": found.start()},
    )


def _string(item: dict, name: str, *, max_length: int, required_: bool) -> str:
    value = item.get(name)
    if value is None:
        if required_:
            raise ItemRejected(name, required())
        return ""
    if not isinstance(value, str):
        raise ItemRejected(name, _must_be_string())
    if len(value) > max_length:
        raise ItemRejected(name, _("At most %(limit)d characters.") % {"limit": max_length})
    _check_characters(name, value)
    return value


def _iso_error() -> ItemRejected:
    return ItemRejected("posted_at", _("Must be an ISO 8601 date-time."))


def _out_of_window() -> ItemRejected:
    return ItemRejected("posted_at", _("Must be between 2000-01-01 and 5 minutes from now (UTC)."))


def _posted_at(value: Any, now: datetime) -> datetime:
    if value is None or value == "":
        raise ItemRejected("posted_at", required())
    if isinstance(value, str):
        if len(value) > _MAX_DATE_LENGTH:
            raise _iso_error()
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _iso_error() from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise _iso_error()
    # No offset given: the monitoring tools we ingest from report UTC. Year 1 with a positive
    # offset or year 9999 with a negative one has no UTC form: out of the window, not a crash.
    try:
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _out_of_window() from None
    if parsed < OLDEST_POSTED_AT or parsed > now + FUTURE_TOLERANCE:
        raise _out_of_window()
    return parsed


def _reach(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, str):
        value = value.strip()
        # ASCII digits only ("²".isdigit() is true, int() refuses it), and few enough that
        # int() never meets Python's 4,300-digit limit.
        if not (value.isascii() and value.isdigit()) or len(value) > 20:
            raise ItemRejected("reach", _("Must be a whole number ≥ 0."))
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ItemRejected("reach", _("Must be a whole number ≥ 0."))
    if value > _MAX_REACH:
        raise ItemRejected("reach", _("Is implausibly large."))
    return value


def _external_id(value: Any) -> str:
    if value is None:
        raise ItemRejected("external_id", required())
    if isinstance(value, int) and not isinstance(value, bool):
        # A numeric id from a JSON tool; one of more than 200 digits is refused before str()
        # (which refuses ints beyond 4,300 digits with a ValueError).
        if value.bit_length() > 700:
            raise ItemRejected(
                "external_id",
                _("At most %(limit)d characters.") % {"limit": MAX_EXTERNAL_ID_LENGTH},
            )
        value = str(value)
    if not isinstance(value, str):
        raise ItemRejected("external_id", _must_be_string())
    value = value.strip()
    if not value:
        raise ItemRejected("external_id", _("May not be blank."))
    if len(value) > MAX_EXTERNAL_ID_LENGTH:
        raise ItemRejected(
            "external_id", _("At most %(limit)d characters.") % {"limit": MAX_EXTERNAL_ID_LENGTH}
        )
    _check_characters("external_id", value)
    return value


def item_brand_id(item: Any) -> int | None:
    """The brand an item of the member API names, when it can be a brand's primary key."""
    brand = item.get("brand") if isinstance(item, dict) else None
    # Only what can be a primary key reaches the query (a 70-bit integer overflows it).
    if isinstance(brand, int) and not isinstance(brand, bool) and 0 < brand < 2**63:
        return brand
    return None


def mention_item_clean(item: Any, *, now: datetime) -> dict[str, Any]:
    """Validate one incoming mention; raises ItemRejected(field, reason), nothing else.

    Hand-written rather than a DRF serializer: this runs thousands of times a second.
    Required: platform, external_id, text, posted_at (from 2000-01-01 to 5 minutes after
    `now`). Optional: author, url, language, reach. Control characters are refused.
    """
    if not isinstance(item, dict):
        raise ItemRejected("non_field_errors", _("Must be an object."))
    platform = item.get("platform")
    if platform is None:
        raise ItemRejected("platform", required())
    # A list or an object is unhashable: the type is checked before the set is asked.
    if not isinstance(platform, str) or platform not in _PLATFORMS:
        raise ItemRejected(
            "platform", _("Must be one of: %(choices)s.") % {"choices": ", ".join(Platform.values)}
        )
    external_id = _external_id(item.get("external_id"))
    text = _string(item, "text", max_length=MAX_TEXT_LENGTH, required_=True)
    if not text.strip():
        raise ItemRejected("text", _("May not be blank."))
    posted_at = _posted_at(item.get("posted_at"), now)
    url = _string(item, "url", max_length=2000, required_=False).strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise ItemRejected("url", _("Must be an http(s) URL."))
    language = _string(item, "language", max_length=16, required_=False).strip().lower()
    if language and not _LANGUAGE_RE.fullmatch(language):
        raise ItemRejected("language", _("Must be a language code such as ru or en."))
    return {
        "platform": platform,
        "external_id": external_id,
        "text": text,
        "posted_at": posted_at,
        "author": _string(item, "author", max_length=200, required_=False).strip(),
        "url": url,
        "language": language,
        "reach": _reach(item.get("reach")),
    }
