"""Mastodon: an instance's hashtag timeline (``GET /api/v1/timelines/tag/:hashtag``, public on
most instances) or its status search (``GET /api/v2/search?type=statuses``, which needs a user
token and full-text search on most instances), as documented in mastodon/documentation
(content/en/methods/timelines.md, search.md).

Paging: Mastodon ids are snowflakes, milliseconds << 16 (lib/mastodon/snowflake.rb), so a
sweep's time bounds become ids. The hashtag timeline pages forward: with ``min_id`` it answers the
statuses immediately newer than it (newest first within the page), and the ``Link`` header's
``rel="prev"`` carries the next ``min_id``. Search has no forward paging (``min_id`` and
``max_id`` become ``after:``/``before:`` filters, results newest first), so it pages down with
``max_id``. Either way ``max_id`` pins the sweep's upper bound.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

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
    item,
    json_body,
    malformed,
    now,
    parse_iso,
    redact,
    retry_after,
    secrets_of,
    unavailable_status,
    validate_declared,
)
from .window import TimeWindow

SERVICE = "Mastodon"
LIMIT = 40
PAGES_PER_CALL = 5
HASHTAG_RE = re.compile(r"#?(\w{1,100})")
LINK_RE = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')


def snowflake(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000) << 16)


def _links(header: str) -> dict[str, dict[str, list[str]]]:
    return {rel: parse_qs(urlsplit(url).query) for url, rel in LINK_RE.findall(header or "")}


# Alike the other collector classes (bluesky.py, telegram.py, vk.py, youtube.py) on purpose:
# the Collector protocol's declarations and sweep, with Mastodon's own fields, checks and
# paging; what they share is already in base.py and window.py.
class MastodonCollector:
    kind = "mastodon"
    platform = "other"
    config_fields = (
        FieldSpec(
            "instance",
            _("Instance"),
            required=True,
            kind="url",
            help=_("e.g. https://mastodon.social"),
        ),
        FieldSpec(
            "hashtag", _("Hashtag"), help=_("Without #; its public timeline needs no token.")
        ),
        FieldSpec(
            "query", _("Search query"), help=_("Status search; most instances need a token.")
        ),
    )
    credential_fields = (
        FieldSpec(
            "access_token",
            _("Access token"),
            help=_("Preferences → Development → New application, scope read:search."),
        ),
    )

    def validate(self, config: dict, credentials: dict) -> dict[str, list[str]]:
        errors = validate_declared(self, config, credentials)
        if not isinstance(config, dict):
            return errors
        hashtag, query = config.get("hashtag"), config.get("query")
        if not (isinstance(hashtag, str) and hashtag.strip()) and not (
            isinstance(query, str) and query.strip()
        ):
            errors.setdefault("config.hashtag", []).append(
                str(_("Give a hashtag or a search query."))
            )
        if (
            isinstance(hashtag, str)
            and hashtag.strip()
            and not HASHTAG_RE.fullmatch(hashtag.strip())
        ):
            errors.setdefault("config.hashtag", []).append(
                str(_("One hashtag: letters, digits and _."))
            )
        instance = config.get("instance")
        if isinstance(instance, str) and urlsplit(instance).path.strip("/"):
            errors.setdefault("config.instance", []).append(
                str(_("The instance's address only, without a path."))
            )
        return errors

    def _get(self, config: dict, path: str, params: dict, credentials: dict) -> tuple[Any, Any]:
        headers = {}
        if credentials.get("access_token"):
            headers["Authorization"] = f"Bearer {credentials['access_token']}"
        url = config["instance"].rstrip("/") + path
        response = http("GET", url, service=SERVICE, params=params, headers=headers)
        status = response.status_code
        if status == 200:
            return json_body(response, service=SERVICE), response.headers
        if status in (401, 403):
            try:
                said = str((response.json() or {}).get("error") or "")
            except (ValueError, AttributeError):
                said = ""
            return_params = {"message": redact(said, secrets_of(credentials))[:200] or str(status)}
            raise CollectorError(
                "auth",
                _("The Mastodon instance refused access: %(message)s."),
                params=return_params,
            )
        if status == 429:
            reset = parse_iso(response.headers.get("X-RateLimit-Reset"))
            wait = (
                (reset - now()).total_seconds() if reset else retry_after(response.headers, 300.0)
            )
            raise CollectorError(
                "rate_limited",
                _("The Mastodon instance asks to wait (rate limit)."),
                retry_after=max(1.0, wait),
            )
        if status == 404:
            return None, response.headers
        raise unavailable_status(SERVICE, status)

    def test_connection(self, config: dict, credentials: dict) -> None:
        body, _headers = self._get(config, "/api/v2/instance", {}, credentials)
        if body is None:
            body, _headers = self._get(config, "/api/v1/instance", {}, credentials)
        if not isinstance(body, dict):
            raise CollectorError("config", _("This address is not a Mastodon instance."))

    def collect(self, config: dict, credentials: dict, cursor: dict) -> CollectResult:
        cursor = cursor if isinstance(cursor, dict) else {}
        window = TimeWindow(
            cursor.get("window"),
            now=now(),
            overlap=timedelta(minutes=30),
            lookback=timedelta(hours=24),
        )
        batch = Batch()
        hashtag = (config.get("hashtag") or "").strip().lstrip("#")
        for _page in range(PAGES_PER_CALL):
            if hashtag:
                statuses, token = self._tag_page(config, hashtag, window, credentials)
            else:
                statuses, token = self._search_page(
                    config, config["query"].strip(), window, credentials
                )
            for status in statuses:
                self._add(status, config, window, batch)
            window.next_page(token)
            if window.done:
                break
        return CollectResult(items=batch.items, cursor={"window": window.dump()}, more=window.more)

    # Alike _search_page on purpose: the hashtag timeline pages up from min_id with the Link
    # header, search pages down from max_id without one.
    def _tag_page(
        self, config: dict, hashtag: str, window: TimeWindow, credentials: dict
    ) -> tuple[list, str | None]:
        min_id = window.page or snowflake(window.lower)
        body, headers = self._get(
            config,
            f"/api/v1/timelines/tag/{quote(hashtag)}",
            {"limit": LIMIT, "min_id": min_id, "max_id": snowflake(window.upper)},
            credentials,
        )
        if body is None:  # a hashtag nobody used yet
            return [], None
        if not isinstance(body, list):
            raise malformed(SERVICE, "timeline")
        if len(body) < LIMIT:
            return body, None
        prev = _links(headers.get("Link", "")).get("prev", {}).get("min_id")
        ids = [s["id"] for s in body if isinstance(s, dict) and isinstance(s.get("id"), str)]
        newest = prev[0] if prev else max(ids, key=lambda i: (len(i), i), default=None)
        return body, (newest if newest and newest != min_id else None)

    def _search_page(
        self, config: dict, query: str, window: TimeWindow, credentials: dict
    ) -> tuple[list, str | None]:
        max_id = window.page or snowflake(window.upper)
        body, _headers = self._get(
            config,
            "/api/v2/search",
            {
                "q": query,
                "type": "statuses",
                "limit": LIMIT,
                "min_id": snowflake(window.lower),
                "max_id": max_id,
            },
            credentials,
        )
        if body is None:
            raise CollectorError("config", _("This instance has no search API."))
        if not isinstance(body, dict) or not isinstance(body.get("statuses"), list):
            raise malformed(SERVICE, "search statuses")
        statuses = body["statuses"]
        if len(statuses) < LIMIT:
            return statuses, None
        times = [parse_iso(s.get("created_at")) for s in statuses if isinstance(s, dict)]
        oldest = min((t for t in times if t), default=None)
        # Search filters by the second (before:/after:), so step back to the oldest one's second
        # plus one and let the seen set drop the repeats.
        token = snowflake(oldest.replace(microsecond=0) + timedelta(seconds=1)) if oldest else None
        return statuses, (token if token and token != max_id else None)

    def _add(self, status: Any, config: dict, window: TimeWindow, batch: Batch) -> None:
        if not isinstance(status, dict) or not isinstance(status.get("id"), str):
            return
        created = parse_iso(status.get("created_at"))
        if created is None:
            return
        uri = str(status.get("uri") or "")
        key = (
            uri
            if uri and len(uri) <= 200
            else f"{urlsplit(config['instance']).netloc}:{status['id']}"
        )
        if not window.is_new(key, created):
            return
        window.note(key, created)
        account = status.get("account")
        if not isinstance(account, dict):
            account = {}
        spoiler = html_text(str(status.get("spoiler_text") or ""))
        text = html_text(str(status.get("content") or ""))
        batch.add(
            item(
                platform=self.platform,
                external_id=key,
                text=f"{spoiler}\n\n{text}".strip(),
                posted_at=created,
                author=str(account.get("display_name") or account.get("acct") or ""),
                url=str(status.get("url") or uri),
                reach=account.get("followers_count") or 0,
                language=str(status.get("language") or ""),
            )
        )
