"""The one ISO 8601 formatter of API payloads, events, webhooks and exports; the durations
of the pages and the timeline."""

from datetime import datetime, tzinfo
from typing import overload

from django.utils.translation import gettext as _


@overload
def iso_z(value: datetime, tz: tzinfo | None = None) -> str: ...
@overload
def iso_z(value: None, tz: tzinfo | None = None) -> None: ...
def iso_z(value: datetime | None, tz: tzinfo | None = None) -> str | None:
    """ISO 8601 with UTC written as "Z", as DRF's DateTimeField writes it; in `tz` if given."""
    if value is None:
        return None
    if tz is not None:
        value = value.astimezone(tz)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def duration_text(seconds: float) -> str:
    """H:MM:SS, hours unbounded (a 3-day target reads 72:00:00): the same as app.js writes."""
    seconds = int(abs(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def duration_words(seconds: float) -> str:
    """A short human duration for the timeline: 45 s, 12 min, 3 h 05 min, 2 d 4 h."""
    seconds = int(max(seconds, 0))
    if seconds < 60:
        return _("%(n)d s") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
