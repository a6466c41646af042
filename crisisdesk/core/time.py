"""The one ISO 8601 formatter of API payloads, events, webhooks and exports."""

from datetime import datetime, tzinfo
from typing import overload


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
