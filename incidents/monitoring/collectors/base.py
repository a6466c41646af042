"""The collector contract (items, results, errors, fields) and the helpers every collector shares:
one HTTP call through the outbound policy, JSON parsing, Retry-After, timestamps and HTML text."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crisisdesk.core import outbound
from crisisdesk.core.time import iso_z

MAX_TEXT = 10_000
MAX_EXTERNAL_ID = 200
MAX_AUTHOR = 200
MAX_URL = 2000

ERROR_KINDS = ("auth", "rate_limited", "malformed", "unavailable", "config", "refused")


# Alike services/detection.py:IngestedMention on purpose: what a collector hands to ingest,
# not a mention being upserted (pk, created); they share the mention's field names.
@dataclass(frozen=True)
class CollectedItem:
    """Exactly what the ingest service takes as one mention item."""

    platform: str
    external_id: str
    text: str
    posted_at: datetime
    author: str = ""
    url: str = ""
    reach: int = 0
    language: str = ""

    def as_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "platform": self.platform,
            "external_id": self.external_id,
            "text": self.text,
            "posted_at": iso(self.posted_at),
            "author": self.author,
            "url": self.url,
            "reach": self.reach,
        }
        if self.language:
            item["language"] = self.language
        return item


@dataclass
class CollectResult:
    items: list[CollectedItem]
    cursor: dict[str, Any]
    # Another page is waiting right now: the poller may call again with the new cursor.
    more: bool = False


class CollectorError(Exception):
    """A poll that failed, with a kind the poller acts on and a message for people.

    The message is lazily translated; ``params`` carry what the service said, already stripped
    of credentials by the collector (see ``redact``), so neither str() nor the args hold one.
    """

    def __init__(
        self,
        kind: str,
        message: str | Promise,
        *,
        params: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        assert kind in ERROR_KINDS, kind
        self.kind = kind
        self.message = message
        self.params = dict(params or {})
        self.retry_after = retry_after
        super().__init__(kind)

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text

    def __repr__(self) -> str:
        return f"CollectorError({self.kind!r}, {str(self)!r}, retry_after={self.retry_after!r})"


@dataclass(frozen=True)
class FieldSpec:
    """One configuration or credential field: its name, label and help for the UI."""

    name: str
    label: str | Promise
    required: bool = False
    kind: str = "string"  # string | url | list | int
    help: str | Promise = ""


class Collector(Protocol):
    kind: str
    platform: str

    # Read-only, so that a collector's tuple of specs matches.
    @property
    def config_fields(self) -> Sequence[FieldSpec]: ...

    @property
    def credential_fields(self) -> Sequence[FieldSpec]: ...

    def validate(self, config: dict, credentials: dict) -> dict[str, list[str]]: ...

    def test_connection(self, config: dict, credentials: dict) -> None: ...

    def collect(self, config: dict, credentials: dict, cursor: dict) -> CollectResult: ...


# -- validation ---------------------------------------------------------------------------------

REQUIRED = _("This field is required.")


def validate_fields(
    specs: Sequence[FieldSpec], values: Any, *, section: str = ""
) -> dict[str, list[str]]:
    """Presence and type of the declared fields; unknown names are refused so a typo is seen."""
    errors: dict[str, list[str]] = {}
    prefix = f"{section}." if section else ""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        return {section or "non_field_errors": [str(_("Must be an object."))]}
    known = {spec.name for spec in specs}
    for name in values:
        if name not in known:
            errors.setdefault(f"{prefix}{name}", []).append(str(_("Unknown field.")))
    for spec in specs:
        value = values.get(spec.name)
        key = f"{prefix}{spec.name}"
        if value in (None, "", []):
            if spec.required:
                errors.setdefault(key, []).append(str(REQUIRED))
            continue
        problem = _type_problem(spec, value)
        if problem:
            errors.setdefault(key, []).append(problem)
    return errors


def _type_problem(spec: FieldSpec, value: Any) -> str:
    if spec.kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            return str(_("Must be a list."))
        return ""
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return str(_("Must be a whole number."))
        return ""
    if not isinstance(value, str):
        return str(_("Must be a string."))
    if spec.kind == "url" and not value.lower().startswith(("https://", "http://")):
        return str(_("Must be an http(s) URL."))
    if len(value) > 2000:
        return str(_("At most 2000 characters."))
    return ""


def merge_errors(*parts: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for part in parts:
        for key, messages in part.items():
            merged.setdefault(key, []).extend(messages)
    return merged


def validate_declared(collector: Collector, config: Any, credentials: Any) -> dict[str, list[str]]:
    """A collector's declared config and credential fields checked, keyed config.* and
    credentials.*: the start of every collector's ``validate``."""
    return merge_errors(
        validate_fields(collector.config_fields, config, section="config"),
        validate_fields(collector.credential_fields, credentials, section="credentials"),
    )


# -- HTTP -----------------------------------------------------------------------------------------


def redact(text: str, secrets: Iterable[str]) -> str:
    """The text with every credential value replaced; short values are left (they would
    match ordinary words and are not credentials anyway)."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "***")
    return text


def secrets_of(credentials: Mapping[str, Any]) -> list[str]:
    return [str(v) for v in credentials.values() if isinstance(v, str | int) and str(v)]


def http(
    method: str,
    url: str,
    *,
    service: str,
    params: Any = None,
    data: Any = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15.0,
    max_bytes: int = 5_000_000,
) -> outbound.OutboundResponse:
    """One request through the outbound policy; transport failures become CollectorErrors
    whose text never carries the URL (a token may be in its path or query)."""
    try:
        return outbound.request(
            method,
            url,
            params=params,
            data=data,
            json=json,
            headers={"Accept": "application/json", **(headers or {})},
            timeout=timeout,
            max_bytes=max_bytes,
        )
    except outbound.OutboundRefused:
        raise CollectorError(
            "refused",
            _("%(service)s: the address is not allowed by the outbound policy."),
            params={"service": service},
        ) from None
    except outbound.OutboundError as exc:
        raise CollectorError(
            "unavailable",
            _("%(service)s could not be reached (%(reason)s)."),
            params={"service": service, "reason": getattr(exc, "reason", "network")},
        ) from None


def json_body(response: outbound.OutboundResponse, *, service: str) -> Any:
    """The parsed body, or a `malformed` error (an HTML error page, a truncated body …)."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        raise CollectorError(
            "malformed",
            _("%(service)s answered with something that is not JSON (HTTP %(status)s)."),
            params={"service": service, "status": response.status_code},
        ) from None


def malformed(service: str, what: str) -> CollectorError:
    return CollectorError(
        "malformed",
        _("%(service)s answered in an unexpected shape (%(what)s)."),
        params={"service": service, "what": what},
    )


def retry_after(headers: Mapping[str, str], default: float) -> float:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), else the default."""
    value = (headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return default


def unavailable_status(service: str, status: int) -> CollectorError:
    return CollectorError(
        "unavailable",
        _("%(service)s answered HTTP %(status)s; the next poll will try again."),
        params={"service": service, "status": status},
        retry_after=60.0 if status >= 500 else None,
    )


# -- time -----------------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    return iso_z(moment, UTC)


def parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def from_unix(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def now() -> datetime:
    return datetime.now(UTC)


# -- text -----------------------------------------------------------------------------------------

_BLOCK = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
_SKIP = {"script", "style", "template", "head"}
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """Readable text of an HTML fragment: tags dropped, entities decoded, blocks on lines."""
    if "<" not in markup and "&" not in markup:
        return markup.strip()
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = _SPACES.sub(" ", "".join(extractor.parts))
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _LINES.sub("\n\n", text).strip()


def clip(text: str, limit: int) -> str:
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def item(
    *,
    platform: str,
    external_id: str,
    text: str,
    posted_at: datetime,
    author: str = "",
    url: str = "",
    reach: Any = 0,
    language: str = "",
) -> CollectedItem | None:
    """A CollectedItem held to the ingest limits, or None when there is nothing to ingest
    (a sticker, a photo without a caption …): the ingest service would refuse it."""
    text = clip(text.strip(), MAX_TEXT)
    external_id = external_id.strip()
    if not text or not external_id or len(external_id) > MAX_EXTERNAL_ID:
        return None
    if not url.lower().startswith(("https://", "http://")) or len(url) > MAX_URL:
        url = ""
    if isinstance(reach, bool) or not isinstance(reach, int) or reach < 0:
        reach = 0
    language = language.strip().lower() if isinstance(language, str) else ""
    if not re.fullmatch(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?", language):
        language = ""
    return CollectedItem(
        platform=platform,
        external_id=external_id,
        text=text,
        posted_at=posted_at.astimezone(UTC),
        author=clip(author.strip(), MAX_AUTHOR),
        url=url,
        reach=min(reach, 10**15),
        language=language,
    )


@dataclass
class Batch:
    """Items of one collect call, each once (two endpoints can return the same post)."""

    items: list[CollectedItem] = field(default_factory=list)
    _keys: set[str] = field(default_factory=set)

    def add(self, collected: CollectedItem | None) -> bool:
        if collected is None or collected.external_id in self._keys:
            return False
        self._keys.add(collected.external_id)
        self.items.append(collected)
        return True
