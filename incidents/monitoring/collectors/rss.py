"""RSS 2.0 and Atom feeds (news sites, Dzen, Google Alerts, Yandex searches), parsed by
feedparser (https://feedparser.readthedocs.io/): it copes with RSS 0.9x/1.0/2.0 and Atom 0.3/1.0,
broken encodings and dates, which a hand-written parser would not.

A feed shows only its latest entries and has no paging, so the cursor keeps the ids seen
recently; a conditional GET (ETag / Last-Modified, RFC 9110 §13) lets an unchanged feed answer
304 without a body.
"""

from __future__ import annotations

import calendar
import hashlib
import io
from datetime import UTC, datetime
from typing import Any

import feedparser
from django.utils.translation import gettext_lazy as _

# Alike the other collectors' imports (bluesky.py, mastodon.py, rss.py, telegram.py, vk.py,
# youtube.py) on purpose: each names the shared base helpers it calls.
from .base import (
    Batch,
    CollectorError,
    CollectResult,
    FieldSpec,
    html_text,
    http,
    iso,
    item,
    now,
    parse_iso,
    retry_after,
    unavailable_status,
    validate_declared,
)

SERVICE = "RSS"
PLATFORMS = ("news", "reviews", "other")
MAX_SEEN = 2000


def _entry_id(entry: Any) -> str:
    raw = entry.get("id") or entry.get("link") or ""
    if not raw:
        raw = "title:" + (entry.get("title") or "") + "\n" + (entry.get("summary") or "")
        return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
    if len(raw) > 200:
        return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
    return raw


def _entry_time(entry: Any, fetched: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            # feedparser normalises every date it understands to a UTC struct_time.
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return fetched


def _entry_text(entry: Any) -> str:
    title = html_text(entry.get("title") or "")
    bodies = [c.get("value", "") for c in entry.get("content") or []]
    bodies.append(entry.get("summary") or "")
    body = html_text(max(bodies, key=len)) if bodies else ""
    if title and body.startswith(title):
        return body
    return f"{title}\n\n{body}".strip()


class RssCollector:
    kind = "rss"
    platform = "news"
    config_fields = (
        FieldSpec("url", _("Feed URL"), required=True, kind="url"),
        FieldSpec(
            "platform",
            _("Platform"),
            help=_("news (default), reviews or other: what the feed's items count as."),
        ),
    )
    credential_fields = ()

    def validate(self, config: dict, credentials: dict) -> dict[str, list[str]]:
        errors = validate_declared(self, config, credentials)
        platform = (config or {}).get("platform") if isinstance(config, dict) else None
        if platform and platform not in PLATFORMS:
            errors.setdefault("config.platform", []).append(
                str(_("Must be one of: %(choices)s.") % {"choices": ", ".join(PLATFORMS)})
            )
        return errors

    def test_connection(self, config: dict, credentials: dict) -> None:
        self._fetch(config, {})

    def collect(self, config: dict, credentials: dict, cursor: dict) -> CollectResult:
        cursor = cursor if isinstance(cursor, dict) else {}
        fetched = now()
        parsed, headers = self._fetch(config, cursor)
        seen: dict[str, str] = dict(cursor.get("seen") or {})
        if parsed is None:  # 304 Not Modified
            return CollectResult(items=[], cursor=cursor, more=False)
        platform = config.get("platform") or self.platform
        language = (parsed.feed.get("language") or "").split(",")[0].strip()
        batch = Batch()
        for entry in parsed.entries:
            key = _entry_id(entry)
            if key in seen:
                continue
            posted_at = min(_entry_time(entry, fetched), fetched)
            seen[key] = iso(posted_at)
            batch.add(
                item(
                    platform=platform,
                    external_id=key,
                    text=_entry_text(entry),
                    posted_at=posted_at,
                    author=html_text(entry.get("author") or ""),
                    url=entry.get("link") or "",
                    language=language,
                )
            )
        if len(seen) > MAX_SEEN:
            oldest_first = sorted(seen.items(), key=lambda kv: parse_iso(kv[1]) or fetched)
            seen = dict(oldest_first[-MAX_SEEN:])
        new_cursor: dict[str, Any] = {"seen": seen}
        if headers.get("ETag"):
            new_cursor["etag"] = headers["ETag"]
        if headers.get("Last-Modified"):
            new_cursor["modified"] = headers["Last-Modified"]
        return CollectResult(items=batch.items, cursor=new_cursor, more=False)

    def _fetch(self, config: dict, cursor: dict) -> tuple[Any, Any]:
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9"}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        response = http("GET", config["url"], service=SERVICE, headers=headers, timeout=20.0)
        status = response.status_code
        if status == 304:
            return None, response.headers
        if status in (301, 302, 303, 307, 308):
            # The outbound policy follows no redirect (each hop would need its own address
            # check): the user updates the address once instead.
            raise CollectorError(
                "config",
                _("The feed has moved to %(location)s; update the source's address."),
                params={"location": (response.headers.get("Location") or "?")[:500]},
            )
        if status in (401, 403):
            raise CollectorError(
                "auth", _("The feed refused access (HTTP %(status)s)."), params={"status": status}
            )
        if status in (404, 410):
            raise CollectorError(
                "config",
                _("There is no feed at this address (HTTP %(status)s)."),
                params={"status": status},
            )
        if status in (429, 503) and "Retry-After" in response.headers:
            raise CollectorError(
                "rate_limited",
                _("The feed asks to wait before the next request."),
                retry_after=retry_after(response.headers, 300.0),
            )
        if status >= 300:
            raise unavailable_status(SERVICE, status)
        # A file object, never bytes or a string: feedparser opens a string that names a
        # local file or a URL by itself, and a hostile feed body must not make it do so.
        parsed = feedparser.parse(
            io.BytesIO(response.content),
            response_headers={k.lower(): v for k, v in response.headers.items()},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        if not parsed.get("version") and not parsed.entries:
            raise CollectorError(
                "malformed",
                _("The address does not answer with an RSS or Atom feed."),
            )
        return parsed, response.headers
