"""VK API v5.199: ``newsfeed.search`` for a query, ``wall.get`` and ``wall.getComments`` for the
brand's own communities (https://dev.vk.com/ru/method/newsfeed.search, …/wall.get,
…/wall.getComments; parameters and shapes as in VKCOM/vk-api-schema).

Requests are POSTed form-encoded (the API takes GET and POST alike, dev.vk.com/ru/api/api-requests),
so the access token travels in the body, never in a URL that a proxy or log line could keep.
Errors come as HTTP 200 ``{"error": {"error_code", "error_msg"}}``: 6 (too many requests per
second), 9 (flood control) and 29 (rate limit reached) back off, 5 and 28 are authorisation
failures, the rest are reported with VK's message.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
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
    item,
    json_body,
    malformed,
    now,
    redact,
    secrets_of,
    unavailable_status,
    validate_declared,
)
from .window import TimeWindow

SERVICE = "VK"
VERSION = "5.199"
FIELDS = "followers_count,members_count"
SEARCH_COUNT = 200  # the method's maximum
SEARCH_PAGES_PER_CALL = 3
WALL_COUNT = 100
WALL_PAGES = 5
TRACKED_POSTS = 10  # newest posts of each wall whose comments are followed
COMMENT_PAGES = 5
# code -> (kind, seconds to wait)
BACK_OFF = {6: 2.0, 9: 600.0, 29: 3600.0, 14: 600.0}
AUTH_CODES = {5, 28}


def _owner(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number or None


class _Authors:
    """Names and reach of the profiles and groups an extended answer carries."""

    def __init__(self) -> None:
        self.people: dict[int, tuple[str, int]] = {}

    def add(self, response: dict) -> None:
        for profile in response.get("profiles") or []:
            if isinstance(profile, dict) and isinstance(profile.get("id"), int):
                name = f"{profile.get('first_name', '')} {profile.get('last_name', '')}".strip()
                self.people[profile["id"]] = (name, _count(profile.get("followers_count")))
        for group in response.get("groups") or []:
            if isinstance(group, dict) and isinstance(group.get("id"), int):
                self.people[-group["id"]] = (
                    str(group.get("name") or ""),
                    _count(group.get("members_count")),
                )

    def of(self, from_id: Any) -> tuple[str, int]:
        return self.people.get(from_id, ("", 0)) if isinstance(from_id, int) else ("", 0)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _post_text(post: dict) -> str:
    text = post.get("text") or ""
    if not text.strip():
        # A repost without a comment of its own: the reposted text is what people read.
        for original in post.get("copy_history") or []:
            if isinstance(original, dict) and (original.get("text") or "").strip():
                return original["text"]
    return text if isinstance(text, str) else ""


# Alike the other collector classes (bluesky.py, mastodon.py, telegram.py, youtube.py)
# on purpose: the Collector protocol's declarations and sweep, with VK's own fields, checks
# and paging; what they share is already in base.py and window.py.
class VkCollector:
    kind = "vk"
    platform = "vk"
    config_fields = (
        FieldSpec("query", _("Search query"), help=_("Searched in VK posts (newsfeed.search).")),
        FieldSpec(
            "owner_ids",
            _("Community walls"),
            kind="list",
            help=_("Owner ids of the brand's communities (negative, e.g. -1): posts and comments."),
        ),
    )
    credential_fields = (
        FieldSpec(
            "access_token",
            _("Access token"),
            required=True,
            help=_("A service token of a VK app (vk.com/apps?act=manage) or a user token."),
        ),
    )
    min_interval = 0.34  # VK allows 3 requests a second per token

    def __init__(self) -> None:
        self._last_call = 0.0

    def validate(self, config: dict, credentials: dict) -> dict[str, list[str]]:
        errors = validate_declared(self, config, credentials)
        if not isinstance(config, dict):
            return errors
        query = config.get("query")
        owners = config.get("owner_ids") or []
        if not (isinstance(query, str) and query.strip()) and not owners:
            errors.setdefault("config.query", []).append(
                str(_("Give a search query, community walls, or both."))
            )
        if isinstance(owners, list):
            if any(_owner(o) is None for o in owners):
                errors.setdefault("config.owner_ids", []).append(
                    str(_("Each owner id is a non-zero whole number."))
                )
            if len(owners) > 20:
                errors.setdefault("config.owner_ids", []).append(str(_("At most 20 walls.")))
        return errors

    # -- calls ------------------------------------------------------------------------------------

    def _call(self, method: str, params: dict[str, Any], credentials: dict) -> Any:
        wait = self.min_interval - (time.monotonic() - self._last_call)
        if wait > 0:
            time.sleep(wait)
        self._last_call = time.monotonic()
        data = {k: v for k, v in params.items() if v is not None}
        data |= {"access_token": credentials.get("access_token", ""), "v": VERSION}
        response = http("POST", settings.VK_API_URL + method, service=SERVICE, data=data)
        if response.status_code != 200:
            raise unavailable_status(SERVICE, response.status_code)
        body = json_body(response, service=SERVICE)
        if not isinstance(body, dict):
            raise malformed(SERVICE, "not an object")
        if "error" in body:
            raise self._error(body["error"], credentials)
        if "response" not in body:
            raise malformed(SERVICE, "no response")
        return body["response"]

    def _error(self, error: Any, credentials: dict) -> CollectorError:
        if not isinstance(error, dict):
            return malformed(SERVICE, "error")
        code = error.get("error_code")
        text = redact(str(error.get("error_msg") or ""), secrets_of(credentials))[:300]
        params = {"code": code, "message": text}
        if code in AUTH_CODES:
            return CollectorError(
                "auth",
                _("VK refused the access token: %(message)s (code %(code)s)."),
                params=params,
            )
        if code in BACK_OFF:
            return CollectorError(
                "rate_limited",
                _("VK asks to slow down: %(message)s (code %(code)s)."),
                params=params,
                retry_after=BACK_OFF[code],
            )
        return CollectorError(
            "unavailable",
            _("VK answered with an error: %(message)s (code %(code)s)."),
            params=params,
        )

    def test_connection(self, config: dict, credentials: dict) -> None:
        if (config.get("query") or "").strip():
            self._call("newsfeed.search", {"q": config["query"], "count": 1}, credentials)
        for owner in config.get("owner_ids") or []:
            self._call("wall.get", {"owner_id": _owner(owner), "count": 1}, credentials)

    # -- collect ----------------------------------------------------------------------------------

    def collect(self, config: dict, credentials: dict, cursor: dict) -> CollectResult:
        cursor = cursor if isinstance(cursor, dict) else {}
        batch = Batch()
        new_cursor: dict[str, Any] = {}
        more = False
        if (config.get("query") or "").strip():
            window = TimeWindow(
                cursor.get("search"),
                now=now(),
                overlap=timedelta(minutes=15),
                lookback=timedelta(hours=24),
            )
            self._search(config["query"].strip(), credentials, window, batch)
            new_cursor["search"] = window.dump()
            more = window.more
        walls = cursor.get("walls")
        if not isinstance(walls, dict):
            walls = {}
        new_walls: dict[str, Any] = {}
        for raw in config.get("owner_ids") or []:
            owner = _owner(raw)
            if owner is None:
                continue
            state = walls.get(str(owner))
            if not isinstance(state, dict):
                state = {}
            new_walls[str(owner)] = self._wall(owner, state, credentials, batch)
        if new_walls:
            new_cursor["walls"] = new_walls
        return CollectResult(items=batch.items, cursor=new_cursor, more=more)

    def _search(self, query: str, credentials: dict, window: TimeWindow, batch: Batch) -> None:
        for _page in range(SEARCH_PAGES_PER_CALL):
            response = self._call(
                "newsfeed.search",
                {
                    "q": query,
                    "count": SEARCH_COUNT,
                    "extended": 1,
                    "fields": FIELDS,
                    "start_time": int(window.lower.timestamp()),
                    "end_time": int(window.upper.timestamp()),
                    "start_from": window.page,
                },
                credentials,
            )
            if not isinstance(response, dict) or not isinstance(response.get("items"), list):
                raise malformed(SERVICE, "newsfeed.search items")
            authors = _Authors()
            authors.add(response)
            for post in response["items"]:
                posted_at = from_unix(post.get("date")) if isinstance(post, dict) else None
                if posted_at is None or not isinstance(post.get("id"), int):
                    continue
                key = f"wall{post.get('owner_id')}_{post['id']}"
                if not window.is_new(key, posted_at):
                    continue
                window.note(key, posted_at)
                batch.add(self._post_item(post, posted_at, authors))
            next_from = response.get("next_from")
            window.next_page(
                next_from if isinstance(next_from, str) and response["items"] else None
            )
            if window.done:
                return

    def _post_item(self, post: dict, posted_at: datetime, authors: _Authors) -> Any:
        owner_id, post_id = post.get("owner_id"), post["id"]
        name, reach = authors.of(post.get("from_id", owner_id))
        return item(
            platform=self.platform,
            external_id=f"wall{owner_id}_{post_id}",
            text=_post_text(post),
            posted_at=posted_at,
            author=name,
            url=f"https://vk.com/wall{owner_id}_{post_id}",
            reach=reach,
        )

    def _wall(self, owner: int, state: dict, credentials: dict, batch: Batch) -> dict[str, Any]:
        """New posts of one wall (above the highest id emitted) and new comments of its newest
        posts. Offset paging newest-first: a post arriving meanwhile shifts a page down, so one
        may be read twice (the batch drops it), never skipped."""
        last = state.get("last") if isinstance(state.get("last"), int) else None
        tracked_state = state.get("posts")
        if not isinstance(tracked_state, dict):
            tracked_state = {}
        authors = _Authors()
        newest: list[dict] = []
        top = last or 0
        for page in range(WALL_PAGES):
            response = self._call(
                "wall.get",
                {
                    "owner_id": owner,
                    "count": WALL_COUNT,
                    "offset": page * WALL_COUNT,
                    "extended": 1,
                    "fields": FIELDS,
                },
                credentials,
            )
            if not isinstance(response, dict) or not isinstance(response.get("items"), list):
                raise malformed(SERVICE, "wall.get items")
            authors.add(response)
            posts = [
                p for p in response["items"] if isinstance(p, dict) and isinstance(p.get("id"), int)
            ]
            if page == 0:
                newest = sorted(posts, key=lambda p: p["id"], reverse=True)[:TRACKED_POSTS]
            reached_old = False
            for post in posts:
                posted_at = from_unix(post.get("date"))
                if posted_at is None:
                    continue
                if last is not None and post["id"] <= last:
                    reached_old = reached_old or not post.get("is_pinned")
                    continue
                top = max(top, post["id"])
                batch.add(self._post_item({**post, "owner_id": owner}, posted_at, authors))
            # The first poll takes the newest page only; later ones page until they meet a
            # post they have seen (a pinned post does not count: it sits on top, old or not).
            if last is None or reached_old or len(posts) < WALL_COUNT:
                break
        tracked: dict[str, list[int]] = {}
        for post in newest:
            seen_count, last_comment = tracked_state.get(str(post["id"]), [0, 0])
            count = _count((post.get("comments") or {}).get("count"))
            if count > seen_count:
                last_comment = self._comments(owner, post["id"], last_comment, credentials, batch)
            tracked[str(post["id"])] = [max(count, seen_count), last_comment]
        return {"last": top or last, "posts": tracked}

    # Alike _search and youtube.py:_threads on purpose: a paged loop over another method,
    # with its own parameters, paging (offset vs next_from vs pageToken) and item keys.
    def _comments(
        self, owner: int, post_id: int, last_comment: int, credentials: dict, batch: Batch
    ) -> int:
        """Comments newer than ``last_comment`` (ids grow per wall), newest first, with the
        replies VK inlines in each thread; returns the new highest comment id."""
        top = last_comment
        for page in range(COMMENT_PAGES):
            response = self._call(
                "wall.getComments",
                {
                    "owner_id": owner,
                    "post_id": post_id,
                    "count": 100,
                    "offset": page * 100,
                    "sort": "desc",
                    "preview_length": 0,
                    "extended": 1,
                    "fields": FIELDS,
                    "thread_items_count": 10,
                },
                credentials,
            )
            if not isinstance(response, dict) or not isinstance(response.get("items"), list):
                raise malformed(SERVICE, "wall.getComments items")
            authors = _Authors()
            authors.add(response)
            reached_old = False
            for comment in response["items"]:
                if not isinstance(comment, dict) or not isinstance(comment.get("id"), int):
                    continue
                replies = (comment.get("thread") or {}).get("items") or []
                for one in [comment, *[r for r in replies if isinstance(r, dict)]]:
                    if not isinstance(one.get("id"), int):
                        continue
                    if one["id"] <= last_comment:
                        reached_old = reached_old or one is comment
                        continue
                    posted_at = from_unix(one.get("date"))
                    if posted_at is None:
                        continue
                    top = max(top, one["id"])
                    name, reach = authors.of(one.get("from_id"))
                    batch.add(
                        item(
                            platform=self.platform,
                            external_id=f"wall{owner}_{post_id}_r{one['id']}",
                            text=one.get("text") or "",
                            posted_at=posted_at,
                            author=name,
                            url=f"https://vk.com/wall{owner}_{post_id}?reply={one['id']}",
                            reach=reach,
                        )
                    )
            if reached_old or len(response["items"]) < 100:
                break
        return top
