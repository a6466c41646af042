"""YouTube Data API v3 (https://developers.google.com/youtube/v3/docs): ``search.list`` for videos
matching the query, ``commentThreads.list`` on the videos found (``videoId``) and on everything
related to the brand's channel (``allThreadsRelatedToChannelId``), ``channels.list`` for the
authors' subscriber counts.

Quota (developers.google.com/youtube/v3/determine_quota_cost): search.list costs 100 units (and
has its own small daily bucket on new projects), the others 1; 10,000 units a day by default,
reset at midnight Pacific time. Errors are Google's JSON ``{"error": {"code", "message",
"errors": [{"reason", "domain"}], "details"?}}`` (developers.google.com/youtube/v3/docs/errors).
"""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Alike the other collectors' imports (bluesky.py, mastodon.py, rss.py, telegram.py, vk.py,
# youtube.py) on purpose: each names the shared base helpers it calls.
from .base import (
    Batch,
    CollectorError,
    CollectResult,
    FieldSpec,
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

SERVICE = "YouTube"
SEARCH_PAGES_PER_CALL = 2
COMMENT_PAGES = 50  # 5,000 comments between two polls of one video, 50 units
FIRST_SCAN_PAGES = 3
TRACKED_VIDEOS = 20
TRACK_FOR = timedelta(days=7)
COMMENT_OVERLAP = timedelta(minutes=10)
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
AUTH_REASONS = {
    "keyInvalid",
    "keyExpired",
    "API_KEY_INVALID",
    "API_KEY_EXPIRED",
    "ipRefererBlocked",
    "API_KEY_HTTP_REFERRER_BLOCKED",
    "API_KEY_IP_ADDRESS_BLOCKED",
}
CONFIG_REASONS = {"accessNotConfigured", "SERVICE_DISABLED"}
GONE_REASONS = {"commentsDisabled", "videoNotFound", "channelNotFound", "forbidden"}


def _seconds_to_pacific_midnight(moment: datetime) -> float:
    pacific = moment.astimezone(ZoneInfo("America/Los_Angeles"))
    midnight = (pacific + timedelta(days=1)).replace(hour=0, minute=5, second=0, microsecond=0)
    return max(60.0, (midnight - pacific).total_seconds())


class _Gone(Exception):
    """A video or channel whose comments cannot be read any more (disabled, deleted)."""


# Alike the other collector classes (bluesky.py, mastodon.py, telegram.py, vk.py) on purpose:
# the Collector protocol's declarations and sweep, with YouTube's own fields, quota and
# paging; what they share is already in base.py and window.py.
class YoutubeCollector:
    kind = "youtube"
    platform = "youtube"
    config_fields = (
        FieldSpec(
            "query",
            _("Search query"),
            help=_("Videos matching it, newest first, and their comments."),
        ),
        FieldSpec(
            "channel_id", _("Brand channel id"), help=_("UC…: comments on the brand's own videos.")
        ),
    )
    credential_fields = (
        FieldSpec(
            "api_key",
            _("API key"),
            required=True,
            help=_("A Google Cloud API key with the YouTube Data API v3 enabled."),
        ),
    )

    def validate(self, config: dict, credentials: dict) -> dict[str, list[str]]:
        errors = validate_declared(self, config, credentials)
        if not isinstance(config, dict):
            return errors
        query, channel = config.get("query"), config.get("channel_id")
        if not (isinstance(query, str) and query.strip()) and not channel:
            errors.setdefault("config.query", []).append(
                str(_("Give a search query, a channel, or both."))
            )
        if (
            isinstance(channel, str)
            and channel
            and not (channel.startswith("UC") and len(channel) == 24)
        ):
            errors.setdefault("config.channel_id", []).append(
                str(_("A channel id has 24 characters and starts with UC."))
            )
        return errors

    # -- calls ------------------------------------------------------------------------------------

    def _get(self, resource: str, params: dict[str, Any], credentials: dict) -> dict:
        query = {k: v for k, v in params.items() if v is not None}
        query["key"] = credentials.get("api_key", "")
        response = http("GET", settings.YOUTUBE_API_URL + resource, service=SERVICE, params=query)
        if response.status_code == 200:
            body = json_body(response, service=SERVICE)
            if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
                raise malformed(SERVICE, f"{resource} items")
            return body
        if response.status_code >= 500:
            raise unavailable_status(SERVICE, response.status_code)
        try:
            body = response.json()
        except ValueError:
            raise unavailable_status(SERVICE, response.status_code) from None
        raise self._error(body, response, credentials)

    def _error(self, body: Any, response: Any, credentials: dict) -> Exception:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return unavailable_status(SERVICE, response.status_code)
        reasons = {e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)}
        reasons |= {d.get("reason") for d in error.get("details") or [] if isinstance(d, dict)}
        message = redact(html.unescape(str(error.get("message") or "")), secrets_of(credentials))
        params = {"message": _strip_tags(message)[:300]}
        if reasons & QUOTA_REASONS:
            return CollectorError(
                "rate_limited",
                _(
                    "The YouTube API quota of the project is used up until midnight Pacific time: %(message)s"
                ),
                params=params,
                retry_after=_seconds_to_pacific_midnight(now()),
            )
        if reasons & RATE_REASONS or response.status_code == 429:
            return CollectorError(
                "rate_limited",
                _("YouTube asks to slow down: %(message)s"),
                params=params,
                retry_after=retry_after(response.headers, 60.0),
            )
        if reasons & AUTH_REASONS or "API key not valid" in message:
            return CollectorError(
                "auth", _("YouTube refused the API key: %(message)s"), params=params
            )
        if reasons & CONFIG_REASONS:
            return CollectorError(
                "config",
                _("The YouTube Data API v3 is not enabled for this key's project: %(message)s"),
                params=params,
            )
        if reasons & GONE_REASONS or response.status_code == 404:
            return _Gone()
        return CollectorError(
            "unavailable", _("YouTube answered with an error: %(message)s"), params=params
        )

    def test_connection(self, config: dict, credentials: dict) -> None:
        # 1 unit: enough to prove the key and the API, without spending a search (100).
        self._call_checked("videoCategories", {"part": "snippet", "regionCode": "US"}, credentials)
        if config.get("channel_id"):
            answer = self._call_checked(
                "channels", {"part": "id", "id": config["channel_id"]}, credentials
            )
            if not answer.get("items"):
                raise CollectorError("config", _("There is no YouTube channel with this id."))

    def _call_checked(self, resource: str, params: dict, credentials: dict) -> dict:
        try:
            return self._get(resource, params, credentials)
        except _Gone:
            raise CollectorError(
                "config", _("YouTube does not know this channel or video.")
            ) from None

    # -- collect ----------------------------------------------------------------------------------

    def collect(self, config: dict, credentials: dict, cursor: dict) -> CollectResult:
        cursor = cursor if isinstance(cursor, dict) else {}
        moment = now()
        batch = Batch()
        authors: dict[str, str] = {}  # item external id -> author channel id
        new_cursor: dict[str, Any] = {}
        more = False
        videos: dict[str, dict] = {
            k: v for k, v in (cursor.get("videos") or {}).items() if isinstance(v, dict)
        }
        if (config.get("query") or "").strip():
            window = TimeWindow(
                cursor.get("search"),
                now=moment,
                overlap=timedelta(hours=1),
                lookback=timedelta(hours=24),
            )
            self._search(config["query"].strip(), credentials, window, batch, authors, videos)
            new_cursor["search"] = window.dump()
            more = window.more
        if config.get("channel_id"):
            state = cursor.get("channel")
            if not isinstance(state, dict):
                state = {}
            try:
                # A channel's history can be long: its first scan takes the newest page only.
                new_cursor["channel"] = self._threads(
                    {"allThreadsRelatedToChannelId": config["channel_id"]},
                    state,
                    credentials,
                    batch,
                    authors,
                    first_pages=1,
                )
            except _Gone:
                raise CollectorError("config", _("YouTube does not know this channel.")) from None
        horizon = moment - TRACK_FOR
        kept = sorted(
            (
                (vid, state)
                for vid, state in videos.items()
                if (parse_iso(state.get("at")) or moment) >= horizon
            ),
            key=lambda pair: pair[1].get("at", ""),
            reverse=True,
        )[:TRACKED_VIDEOS]
        tracked: dict[str, dict] = {}
        for video_id, state in kept:
            try:
                comments = self._threads(
                    {"videoId": video_id}, state.get("comments") or {}, credentials, batch, authors
                )
            except _Gone:
                continue  # comments disabled or the video removed: stop following it
            tracked[video_id] = {"at": state["at"], "comments": comments}
        new_cursor["videos"] = tracked
        self._reach(batch, authors, credentials)
        return CollectResult(items=batch.items, cursor=new_cursor, more=more)

    def _search(
        self,
        query: str,
        credentials: dict,
        window: TimeWindow,
        batch: Batch,
        authors: dict[str, str],
        videos: dict[str, dict],
    ) -> None:
        for _page in range(SEARCH_PAGES_PER_CALL):
            try:
                answer = self._get(
                    "search",
                    {
                        "part": "snippet",
                        "q": query,
                        "type": "video",
                        "order": "date",
                        "maxResults": 50,
                        "publishedAfter": iso(window.lower),
                        "publishedBefore": iso(window.upper),
                        "pageToken": window.page,
                    },
                    credentials,
                )
            except _Gone:
                raise malformed(SERVICE, "search") from None
            for result in answer.get("items") or []:
                video_id = (
                    ((result or {}).get("id") or {}).get("videoId")
                    if isinstance(result, dict)
                    else None
                )
                snippet = result.get("snippet") if isinstance(result, dict) else None
                if not isinstance(video_id, str) or not isinstance(snippet, dict):
                    continue
                published = parse_iso(snippet.get("publishedAt"))
                if published is None or not window.is_new(video_id, published):
                    continue
                window.note(video_id, published)
                videos.setdefault(video_id, {"at": iso(published), "comments": {}})
                key = f"video:{video_id}"
                # search.list snippets come HTML-escaped (&#39;, &amp;).
                title = html.unescape(str(snippet.get("title") or ""))
                description = html.unescape(str(snippet.get("description") or ""))
                if batch.add(
                    item(
                        platform=self.platform,
                        external_id=key,
                        text=f"{title}\n\n{description}".strip(),
                        posted_at=published,
                        author=html.unescape(str(snippet.get("channelTitle") or "")),
                        url=f"https://www.youtube.com/watch?v={video_id}",
                    )
                ):
                    authors[key] = str(snippet.get("channelId") or "")
            token = answer.get("nextPageToken")
            window.next_page(token if isinstance(token, str) and answer.get("items") else None)
            if window.done:
                return

    def _threads(
        self,
        target: dict[str, str],
        state: dict,
        credentials: dict,
        batch: Batch,
        authors: dict[str, str],
        first_pages: int = FIRST_SCAN_PAGES,
    ) -> dict[str, Any]:
        """Top-level comments newer than the last scan (order=time is newest first), paged until
        the scan meets comments older than its high-water mark less an overlap."""
        scanned_at = now()
        last = parse_iso(state.get("last"))
        seen = set(state.get("seen") or [])
        floor = (last - COMMENT_OVERLAP) if last else None
        newest = last
        recent: dict[str, datetime] = {}
        token = None
        for page in range(COMMENT_PAGES):
            answer = self._get(
                "commentThreads",
                {
                    "part": "snippet",
                    "order": "time",
                    "maxResults": 100,
                    "textFormat": "plainText",
                    "pageToken": token,
                    **target,
                },
                credentials,
            )
            reached_old = False
            for thread in answer.get("items") or []:
                comment = ((thread or {}).get("snippet") or {}).get("topLevelComment") or {}
                snippet = comment.get("snippet") if isinstance(comment, dict) else None
                if not isinstance(snippet, dict) or not isinstance(comment.get("id"), str):
                    continue
                published = parse_iso(snippet.get("publishedAt"))
                if published is None:
                    continue
                if floor and published < floor:
                    reached_old = True
                    continue
                newest = max(newest, published) if newest else published
                recent[comment["id"]] = published
                if comment["id"] in seen:
                    continue
                key = f"comment:{comment['id']}"
                video_id = snippet.get("videoId") or target.get("videoId", "")
                text = snippet.get("textOriginal") or snippet.get("textDisplay") or ""
                if batch.add(
                    item(
                        platform=self.platform,
                        external_id=key,
                        text=str(text),
                        posted_at=published,
                        author=str(snippet.get("authorDisplayName") or "").removeprefix("@"),
                        url=f"https://www.youtube.com/watch?v={video_id}&lc={comment['id']}"
                        if video_id
                        else "",
                    )
                ):
                    authors[key] = str((snippet.get("authorChannelId") or {}).get("value") or "")
            token = answer.get("nextPageToken")
            if reached_old or not token or (last is None and page + 1 >= first_pages):
                break
        if newest is None:
            # Nothing yet: whatever comes later is newer than this scan.
            return {"last": iso(last or scanned_at), "seen": []}
        horizon = newest - COMMENT_OVERLAP
        return {"last": iso(newest), "seen": sorted(k for k, v in recent.items() if v >= horizon)}

    def _reach(self, batch: Batch, authors: dict[str, str], credentials: dict) -> None:
        """Subscriber counts of the authors' channels: channels.list, 50 ids (1 unit) a call."""
        channel_ids = sorted({c for c in authors.values() if c})
        counts: dict[str, int] = {}
        for start in range(0, len(channel_ids), 50):
            try:
                answer = self._get(
                    "channels",
                    {
                        "part": "statistics",
                        "id": ",".join(channel_ids[start : start + 50]),
                        "maxResults": 50,
                    },
                    credentials,
                )
            except _Gone:
                continue
            for channel in answer.get("items") or []:
                stats = channel.get("statistics") if isinstance(channel, dict) else None
                if not isinstance(stats, dict) or stats.get("hiddenSubscriberCount"):
                    continue
                value = str(stats.get("subscriberCount") or "0")
                counts[str(channel.get("id"))] = int(value) if value.isdigit() else 0
        for index, collected in enumerate(batch.items):
            reach = counts.get(authors.get(collected.external_id, ""), 0)
            if reach:
                batch.items[index] = dataclasses.replace(collected, reach=reach)


def _strip_tags(text: str) -> str:
    # Google's messages carry <a href> and <code> markup pointing at its docs.
    return re.sub(r"<[^>]+>", "", text)
