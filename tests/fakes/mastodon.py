"""A Mastodon instance: /api/v1/timelines/tag/:hashtag (min_id / max_id / since_id / limit, a
``Link`` header with rel="next" and rel="prev"), /api/v2/search?type=statuses (min_id and
max_id as created_at filters, newest first, a token required when ``search_needs_token``),
/api/v2/instance, ``{"error": …}`` bodies and the X-RateLimit headers, as documented in
mastodon/documentation (methods/timelines.md, methods/search.md, api/rate-limits.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .base import FakeService, Request, Response


def snowflake(moment: datetime) -> int:
    return int(moment.timestamp() * 1000) << 16


def created_of(status_id: int) -> datetime:
    return datetime.fromtimestamp((status_id >> 16) / 1000, UTC)


@dataclass
class Status:
    id: int
    created: datetime
    html: str
    tags: list[str]
    acct: str
    display_name: str
    followers: int
    language: str | None = "ru"
    spoiler: str = ""
    extra: dict = field(default_factory=dict)


class MastodonServer(FakeService):
    def __init__(self, token: str = "mstdn-SECRET-token-abcdef123456") -> None:
        super().__init__()
        self.token = token
        self.statuses: list[Status] = []
        self.search_needs_token = True
        self._seq = 0

    def status(
        self,
        created: datetime,
        html: str,
        *,
        tags: tuple[str, ...] = (),
        acct: str = "alice",
        display_name: str = "Alice",
        followers: int = 10,
        **extra: Any,
    ) -> Status:
        self._seq += 1
        status = Status(
            snowflake(created) + self._seq,
            created,
            html,
            [t.lower() for t in tags],
            acct,
            display_name,
            followers,
            **extra,
        )
        self.statuses.append(status)
        return status

    def wire(self, s: Status) -> dict[str, Any]:
        host = self.url.removeprefix("http://")
        return {
            "id": str(s.id),
            "created_at": s.created.strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{s.created.microsecond // 1000:03d}Z",
            "in_reply_to_id": None,
            "sensitive": bool(s.spoiler),
            "spoiler_text": s.spoiler,
            "visibility": "public",
            "language": s.language,
            "uri": f"https://{host}/users/{s.acct}/statuses/{s.id}",
            "url": f"https://{host}/@{s.acct}/{s.id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "content": s.html,
            "reblog": None,
            "account": {
                "id": "1",
                "username": s.acct,
                "acct": s.acct,
                "display_name": s.display_name,
                "followers_count": s.followers,
                "url": f"https://{host}/@{s.acct}",
            },
            "media_attachments": [],
            "mentions": [],
            "tags": [{"name": t, "url": f"https://{host}/tags/{t}"} for t in s.tags],
            **s.extra,
        }

    def _authorised(self, request: Request) -> bool | None:
        header = request.headers.get("authorization")
        if header is None:
            return None
        return header == f"Bearer {self.token}"

    def route(self, request: Request) -> Response:
        auth = self._authorised(request)
        if auth is False:
            return Response.json({"error": "The access token is invalid"}, 401)
        headers = {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "299",
            "X-RateLimit-Reset": "2030-01-01T00:00:00.000Z",
        }
        if request.path.startswith("/api/v1/timelines/tag/"):
            return self._tag(request.path.rsplit("/", 1)[-1].lower(), request.params, headers)
        if request.path == "/api/v2/search":
            if self.search_needs_token and not auth:
                return Response.json({"error": "The access token is invalid"}, 401)
            return self._search(request.params, headers)
        if request.path == "/api/v2/instance":
            return Response.json(
                {"domain": "mastodon.test", "title": "Test", "version": "4.3.0"}, **headers
            )
        return Response.json({"error": "Record not found"}, 404)

    def _tag(self, tag: str, params: dict, headers: dict) -> Response:
        limit = max(1, min(int(params.get("limit") or 20), 40))
        max_id, min_id, since_id = (
            int(params[k]) if params.get(k) else None for k in ("max_id", "min_id", "since_id")
        )
        rows = [
            s
            for s in self.statuses
            if tag in s.tags
            and (max_id is None or s.id < max_id)
            and (since_id is None or s.id > since_id)
            and (min_id is None or s.id > min_id)
        ]
        if min_id is not None:
            # paginate_by_min_id: the `limit` statuses immediately newer than min_id, newest first.
            page = sorted(rows, key=lambda s: s.id)[:limit][::-1]
        else:
            page = sorted(rows, key=lambda s: s.id, reverse=True)[:limit]
        base = f"{self.url}/api/v1/timelines/tag/{tag}"
        if page:
            headers["Link"] = (
                f'<{base}?max_id={page[-1].id}>; rel="next", '
                f'<{base}?min_id={page[0].id}>; rel="prev"'
            )
        return Response.json([self.wire(s) for s in page], **headers)

    def _search(self, params: dict, headers: dict) -> Response:
        query = (params.get("q") or "").lower()
        limit = max(1, min(int(params.get("limit") or 20), 40))
        # StatusesSearchService turns min_id / max_id into after: / before: on created_at,
        # to the second (Snowflake.to_time(...).iso8601).
        after = (
            created_of(int(params["min_id"])).replace(microsecond=0)
            if params.get("min_id")
            else None
        )
        before = (
            created_of(int(params["max_id"])).replace(microsecond=0)
            if params.get("max_id")
            else None
        )
        rows = [
            s
            for s in self.statuses
            if query in s.html.lower()
            and (after is None or s.created > after)
            and (before is None or s.created < before)
        ]
        page = sorted(rows, key=lambda s: s.id, reverse=True)[:limit]
        return Response.json(
            {"accounts": [], "hashtags": [], "statuses": [self.wire(s) for s in page]}, **headers
        )

    def throttle(self) -> None:
        self.fail_next.append(
            Response.json(
                {"error": "Too many requests"},
                429,
                **{
                    "X-RateLimit-Limit": "300",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": (
                        (datetime.now(UTC) + timedelta(seconds=120))
                        .replace(microsecond=0)
                        .isoformat()
                        .replace("+00:00", ".000Z")
                    ),
                },
            )
        )
