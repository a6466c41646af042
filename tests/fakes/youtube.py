"""A YouTube Data API v3 server: /youtube/v3/search, /commentThreads, /channels,
/videoCategories with the documented parameters and resource shapes
(developers.google.com/youtube/v3/docs), ``nextPageToken`` paging, Google's JSON errors
(keyInvalid / API_KEY_INVALID, quotaExceeded, commentsDisabled) and a quota meter (search.list
100 units, the rest 1)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .base import FakeService, Request, Response

COSTS = {"search": 100}


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Video:
    id: str
    channel_id: str
    channel_title: str
    title: str
    description: str
    published: datetime
    comments: list[dict] = field(default_factory=list)
    comments_disabled: bool = False


class YoutubeServer(FakeService):
    def __init__(self, key: str = "AIzaSy-SECRET-youtube-key-0123456789") -> None:
        super().__init__()
        self.key = key
        self.videos: list[Video] = []
        self.subscribers: dict[str, int | None] = {}
        self.units = 0
        self._comment_ids = 0

    def video(
        self,
        video_id: str,
        channel_id: str,
        title: str,
        published: datetime,
        description: str = "",
        channel_title: str = "Channel",
    ) -> Video:
        video = Video(video_id, channel_id, channel_title, title, description, published)
        self.videos.append(video)
        return video

    def comment(
        self, video: Video, author: str, author_channel: str, text: str, published: datetime
    ) -> dict:
        self._comment_ids += 1
        comment = {
            "id": f"Ugz{self._comment_ids:06d}",
            "author": author,
            "author_channel": author_channel,
            "text": text,
            "published": published,
            "video": video,
        }
        video.comments.append(comment)
        return comment

    # -- errors ---------------------------------------------------------------------------------

    @staticmethod
    def error(
        code: int, message: str, reason: str, domain: str = "global", **extra: Any
    ) -> Response:
        return Response.json(
            {
                "error": {
                    "code": code,
                    "message": message,
                    "errors": [{"message": message, "domain": domain, "reason": reason}],
                    **extra,
                }
            },
            code,
        )

    def quota_exceeded(self) -> None:
        self.fail_next.append(
            self.error(
                403,
                "The request cannot be completed because you have exceeded your "
                '<a href="/youtube/v3/getting-started#quota">quota</a>.',
                "quotaExceeded",
                "youtube.quota",
            )
        )

    # -- the wire -------------------------------------------------------------------------------

    def route(self, request: Request) -> Response:
        resource = request.path.rsplit("/", 1)[-1]
        params = request.params
        self.units += COSTS.get(resource, 1)
        if params.get("key") != self.key:
            message = "API key not valid. Please pass a valid API key."
            return self.error(
                400,
                message,
                "badRequest",
                status="INVALID_ARGUMENT",
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                        "metadata": {"service": "youtube.googleapis.com"},
                    }
                ],
            )
        handler = {
            "search": self._search,
            "commentThreads": self._threads,
            "channels": self._channels,
            "videoCategories": self._categories,
        }.get(resource)
        if handler is None:
            return Response(404, b"Not Found", {"Content-Type": "text/html"})
        return handler(params)

    @staticmethod
    def _page(rows: list, params: dict, maximum: int, default: int) -> tuple[list, str | None]:
        size = max(1, min(int(params.get("maxResults") or default), maximum))
        token = params.get("pageToken") or ""
        offset = int(token[2:]) if token.startswith("CA") else 0
        page = rows[offset : offset + size]
        return page, (f"CA{offset + size}" if offset + size < len(rows) else None)

    def _search(self, params: dict) -> Response:
        query = (params.get("q") or "").lower()
        after = _parse(params["publishedAfter"]) if params.get("publishedAfter") else None
        before = _parse(params["publishedBefore"]) if params.get("publishedBefore") else None
        rows = [
            v
            for v in self.videos
            if query in (v.title + " " + v.description).lower()
            and (after is None or v.published >= after)
            and (before is None or v.published <= before)
        ]
        rows.sort(key=lambda v: v.published, reverse=params.get("order") == "date")
        page, token = self._page(rows, params, 50, 5)
        body: dict[str, Any] = {
            "kind": "youtube#searchListResponse",
            "etag": "e",
            "regionCode": "RU",
            "pageInfo": {"totalResults": len(rows), "resultsPerPage": len(page)},
            "items": [
                {
                    "kind": "youtube#searchResult",
                    "etag": "e",
                    "id": {"kind": "youtube#video", "videoId": v.id},
                    "snippet": {
                        "publishedAt": _z(v.published),
                        "channelId": v.channel_id,
                        "title": html.escape(v.title),
                        "description": html.escape(v.description),
                        "thumbnails": {},
                        "channelTitle": html.escape(v.channel_title),
                        "liveBroadcastContent": "none",
                        "publishTime": _z(v.published),
                    },
                }
                for v in page
            ],
        }
        if token:
            body["nextPageToken"] = token
        return Response.json(body)

    def _threads(self, params: dict) -> Response:
        if params.get("videoId"):
            videos = [v for v in self.videos if v.id == params["videoId"]]
            if not videos:
                return self.error(
                    404,
                    "The video identified by the videoId parameter could not be found.",
                    "videoNotFound",
                    "youtube.commentThread",
                )
            if videos[0].comments_disabled:
                return self.error(
                    403,
                    "The video identified by the <code>videoId</code> parameter has "
                    "disabled comments.",
                    "commentsDisabled",
                    "youtube.commentThread",
                )
        else:
            channel = params.get("allThreadsRelatedToChannelId")
            videos = [v for v in self.videos if v.channel_id == channel]
        rows = sorted(
            (c for v in videos for c in v.comments),
            key=lambda c: c["published"],
            reverse=params.get("order", "time") == "time",
        )
        page, token = self._page(rows, params, 100, 20)
        body: dict[str, Any] = {
            "kind": "youtube#commentThreadListResponse",
            "etag": "e",
            "pageInfo": {"totalResults": len(page), "resultsPerPage": len(page)},
            "items": [
                {
                    "kind": "youtube#commentThread",
                    "etag": "e",
                    "id": c["id"],
                    "snippet": {
                        "channelId": c["video"].channel_id,
                        "videoId": c["video"].id,
                        "canReply": True,
                        "totalReplyCount": 0,
                        "isPublic": True,
                        "topLevelComment": {
                            "kind": "youtube#comment",
                            "etag": "e",
                            "id": c["id"],
                            "snippet": {
                                "channelId": c["video"].channel_id,
                                "videoId": c["video"].id,
                                "textDisplay": c["text"]
                                if params.get("textFormat") == "plainText"
                                else html.escape(c["text"]),
                                "textOriginal": c["text"],
                                "authorDisplayName": f"@{c['author']}",
                                "authorProfileImageUrl": "https://yt3.ggpht.com/x",
                                "authorChannelUrl": f"http://www.youtube.com/@{c['author']}",
                                "authorChannelId": {"value": c["author_channel"]},
                                "canRate": True,
                                "viewerRating": "none",
                                "likeCount": 0,
                                "publishedAt": _z(c["published"]),
                                "updatedAt": _z(c["published"]),
                            },
                        },
                    },
                }
                for c in page
            ],
        }
        if token:
            body["nextPageToken"] = token
        return Response.json(body)

    def _channels(self, params: dict) -> Response:
        items = []
        for channel_id in (params.get("id") or "").split(","):
            if channel_id not in self.subscribers:
                continue
            entry: dict[str, Any] = {"kind": "youtube#channel", "etag": "e", "id": channel_id}
            if "statistics" in (params.get("part") or ""):
                count = self.subscribers[channel_id]
                entry["statistics"] = {
                    "viewCount": "10",
                    "videoCount": "3",
                    "hiddenSubscriberCount": count is None,
                    **({"subscriberCount": str(count)} if count is not None else {}),
                }
            items.append(entry)
        return Response.json(
            {
                "kind": "youtube#channelListResponse",
                "etag": "e",
                "pageInfo": {"totalResults": len(items), "resultsPerPage": 5},
                "items": items,
            }
        )

    def _categories(self, params: dict) -> Response:
        return Response.json(
            {
                "kind": "youtube#videoCategoryListResponse",
                "etag": "e",
                "items": [
                    {
                        "kind": "youtube#videoCategory",
                        "id": "1",
                        "snippet": {"title": "Film & Animation", "assignable": True},
                    }
                ],
            }
        )
