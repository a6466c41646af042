"""Bluesky: ``app.bsky.feed.searchPosts`` (lexicons/app/bsky/feed/searchPosts.json: ``q``,
``sort=latest``, ``since`` inclusive and ``until`` exclusive on the post's sortAt, ``limit`` ≤ 100,
``cursor``) and ``app.bsky.actor.getProfiles`` for the authors' follower counts.

Without an account the public AppView (BLUESKY_API_URL) answers search but refuses the
``cursor`` parameter, and Bluesky switches unauthenticated search off altogether when bots
overload it (bluesky-social/atproto#3423, bsky-docs#296): pages then step down with ``until``.
With a handle and an app password the collector signs in at BLUESKY_PDS_URL
(``com.atproto.server.createSession``, its access token cached 90 minutes: the endpoint allows
few sessions a day) and searches through the PDS with ``cursor`` paging.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

# Alike the other collectors' imports (bluesky.py, mastodon.py, rss.py, telegram.py, vk.py,
# youtube.py) on purpose: each names the shared base helpers it calls.
from .base import (
    Batch,
    CollectorError,
    CollectResult,
    FieldSpec,
    from_unix,
    http,
    iso,
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

SERVICE = "Bluesky"
LIMIT = 100
PAGES_PER_CALL = 5
SESSION_TTL = 90 * 60


def _web_url(uri: str, handle: str) -> str:
    # at://<did>/app.bsky.feed.post/<rkey> -> https://bsky.app/profile/<handle>/post/<rkey>
    parts = uri.removeprefix("at://").split("/")
    if len(parts) == 3 and parts[1] == "app.bsky.feed.post":
        return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"
    return ""


# Alike the other collector classes (mastodon.py, telegram.py, vk.py, youtube.py) on purpose:
# the Collector protocol's declarations and sweep, with Bluesky's own fields, checks and paging;
# what they share is already in base.py and window.py.
class BlueskyCollector:
    kind = "bluesky"
    platform = "other"
    config_fields = (
        FieldSpec(
            "query",
            _("Search query"),
            required=True,
            help=_('Lucene-style, e.g. brand OR "brand name".'),
        ),
        FieldSpec("lang", _("Language"), help=_("Only posts in this language, e.g. ru.")),
    )
    credential_fields = (
        FieldSpec(
            "identifier",
            _("Handle"),
            help=_("Optional: an account's handle, e.g. brand.bsky.social."),
        ),
        FieldSpec(
            "app_password",
            _("App password"),
            help=_("Settings → Privacy and security → App passwords."),
        ),
    )

    def validate(self, config: dict, credentials: dict) -> dict[str, list[str]]:
        errors = validate_declared(self, config, credentials)
        if isinstance(credentials, dict) and bool(credentials.get("identifier")) != bool(
            credentials.get("app_password")
        ):
            errors.setdefault("credentials.app_password", []).append(
                str(_("Give the handle and the app password together, or neither."))
            )
        return errors

    # -- calls ------------------------------------------------------------------------------------

    def _session(self, credentials: dict, *, fresh: bool = False) -> str | None:
        identifier, password = credentials.get("identifier"), credentials.get("app_password")
        if not identifier or not password:
            return None
        # A session belongs to one account on one PDS; the key never holds the password itself.
        material = f"{settings.BLUESKY_PDS_URL}\0{identifier}\0{password}"
        key = "bluesky-session:" + hashlib.sha256(material.encode()).hexdigest()
        token = None if fresh else cache.get(key)
        if token:
            return token
        response = http(
            "POST",
            settings.BLUESKY_PDS_URL + "com.atproto.server.createSession",
            service=SERVICE,
            json={"identifier": identifier, "password": password},
        )
        body = self._body(response, credentials)
        if not isinstance(body, dict) or not isinstance(body.get("accessJwt"), str):
            raise malformed(SERVICE, "createSession")
        cache.set(key, body["accessJwt"], SESSION_TTL)
        return body["accessJwt"]

    def _body(self, response: Any, credentials: dict) -> Any:
        status = response.status_code
        if status == 200:
            return json_body(response, service=SERVICE)
        if status >= 500:
            raise unavailable_status(SERVICE, status)
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        params = {
            "error": str(body.get("error") or status),
            "message": redact(str(body.get("message") or ""), secrets_of(credentials))[:300],
        }
        if status == 429:
            reset = from_unix(int(response.headers.get("RateLimit-Reset", "0") or 0))
            wait = (
                (reset - now()).total_seconds() if reset else retry_after(response.headers, 300.0)
            )
            raise CollectorError(
                "rate_limited",
                _("Bluesky asks to wait (rate limit)."),
                params={},
                retry_after=max(1.0, wait),
            )
        if status == 401:
            raise CollectorError(
                "auth", _("Bluesky refused the sign-in: %(error)s %(message)s"), params=params
            )
        if status == 403:
            raise CollectorError(
                "config",
                _(
                    "Bluesky refuses this search without an account right now (HTTP 403); add a "
                    "handle and an app password to the source."
                ),
            )
        if status == 400:
            raise CollectorError(
                "config", _("Bluesky refused the query: %(error)s %(message)s"), params=params
            )
        raise unavailable_status(SERVICE, status)

    def _get(self, method: str, params: dict, credentials: dict) -> Any:
        token = self._session(credentials)
        for attempt in (1, 2):
            base = settings.BLUESKY_PDS_URL if token else settings.BLUESKY_API_URL
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = http("GET", base + method, service=SERVICE, params=params, headers=headers)
            if (
                response.status_code == 400
                and token
                and attempt == 1
                and b"ExpiredToken" in response.content
            ):
                token = self._session(credentials, fresh=True)  # the cached session expired early
                continue
            return self._body(response, credentials)
        raise AssertionError("unreachable")

    def test_connection(self, config: dict, credentials: dict) -> None:
        self._get(
            "app.bsky.feed.searchPosts",
            {"q": config.get("query") or "bluesky", "limit": 1},
            credentials,
        )

    # -- collect ----------------------------------------------------------------------------------

    def collect(self, config: dict, credentials: dict, cursor: dict) -> CollectResult:
        cursor = cursor if isinstance(cursor, dict) else {}
        window = TimeWindow(
            cursor.get("window"),
            now=now(),
            overlap=timedelta(minutes=15),
            lookback=timedelta(hours=24),
        )
        signed_in = bool(credentials.get("identifier") and credentials.get("app_password"))
        batch = Batch()
        authors: dict[str, str] = {}
        for _page in range(PAGES_PER_CALL):
            params: dict[str, Any] = {
                "q": config["query"],
                "sort": "latest",
                "limit": LIMIT,
                "since": iso(window.lower),
            }
            if config.get("lang"):
                params["lang"] = config["lang"]
            if signed_in:
                params["until"] = iso(window.upper)
                if window.page:
                    params["cursor"] = window.page
            else:
                params["until"] = window.page or iso(window.upper)
            body = self._get("app.bsky.feed.searchPosts", params, credentials)
            if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
                raise malformed(SERVICE, "posts")
            oldest = None
            for post in body["posts"]:
                sort_at = self._add(post, window, batch, authors)
                if sort_at and (oldest is None or sort_at < oldest):
                    oldest = sort_at
            if signed_in:
                token = (
                    body.get("cursor")
                    if isinstance(body.get("cursor"), str) and body["posts"]
                    else None
                )
            elif len(body["posts"]) >= LIMIT and oldest:
                # until is exclusive: step to just past the oldest post and let the seen set
                # drop it, so posts sharing its millisecond are not skipped.
                token = iso(oldest + timedelta(milliseconds=1))
                token = None if token == params["until"] else token
            else:
                token = None
            window.next_page(token)
            if window.done:
                break
        self._reach(batch, authors, credentials)
        return CollectResult(items=batch.items, cursor={"window": window.dump()}, more=window.more)

    def _add(self, post: Any, window: TimeWindow, batch: Batch, authors: dict[str, str]) -> Any:
        if not isinstance(post, dict) or not isinstance(post.get("uri"), str):
            return None
        record = post.get("record")
        if not isinstance(record, dict):
            record = {}
        author = post.get("author")
        if not isinstance(author, dict):
            author = {}
        created, indexed = parse_iso(record.get("createdAt")), parse_iso(post.get("indexedAt"))
        # sortAt is the earlier of the two: createdAt is set by the client and may lie ahead.
        sort_at = min(t for t in (created, indexed) if t) if (created or indexed) else None
        if sort_at is None:
            return None
        if window.is_new(post["uri"], sort_at):
            window.note(post["uri"], sort_at)
            handle = str(author.get("handle") or "")
            langs = record.get("langs") if isinstance(record.get("langs"), list) else []
            if batch.add(
                item(
                    platform=self.platform,
                    external_id=post["uri"],
                    text=str(record.get("text") or ""),
                    posted_at=sort_at,
                    author=str(author.get("displayName") or handle),
                    url=_web_url(post["uri"], handle),
                    language=str(langs[0]) if langs else "",
                )
            ):
                authors[post["uri"]] = str(author.get("did") or "")
        return sort_at

    def _reach(self, batch: Batch, authors: dict[str, str], credentials: dict) -> None:
        dids = sorted({d for d in authors.values() if d})
        followers: dict[str, int] = {}
        for start in range(0, len(dids), 25):  # getProfiles takes 25 actors
            body = self._get(
                "app.bsky.actor.getProfiles", {"actors": dids[start : start + 25]}, credentials
            )
            for profile in (body or {}).get("profiles") or [] if isinstance(body, dict) else []:
                if isinstance(profile, dict) and isinstance(profile.get("followersCount"), int):
                    followers[str(profile.get("did"))] = profile["followersCount"]
        batch.items[:] = [
            dataclasses.replace(c, reach=followers.get(authors.get(c.external_id, ""), 0))
            for c in batch.items
        ]
