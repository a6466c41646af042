"""A Bluesky XRPC server (AppView and PDS in one): app.bsky.feed.searchPosts (q, sort, since
inclusive / until exclusive on sortAt, lang, limit ≤ 100, cursor), app.bsky.actor.getProfiles,
com.atproto.server.createSession, XRPC error bodies ``{"error", "message"}`` and the
RateLimit-* headers. Like the public AppView it refuses ``cursor`` (403) without a session, and
``public_search_disabled`` refuses unauthenticated search altogether, as Bluesky does at times."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .base import FakeService, Request, Response


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Post:
    uri: str
    did: str
    handle: str
    text: str
    created: datetime
    indexed: datetime
    langs: tuple[str, ...] = ("ru",)

    @property
    def sort_at(self) -> datetime:
        return min(self.created, self.indexed)


class BlueskyServer(FakeService):
    def __init__(
        self, handle: str = "brand.bsky.social", password: str = "abcd-SECRET-efgh-ijkl"
    ) -> None:
        super().__init__()
        self.handle, self.password = handle, password
        self.posts: list[Post] = []
        self.followers: dict[str, int] = {}
        self.names: dict[str, str] = {}
        self.public_search_disabled = False
        self.sessions: set[str] = set()
        self._rkeys = itertools.count(1)

    def post(
        self,
        did: str,
        handle: str,
        text: str,
        created: datetime,
        indexed: datetime | None = None,
        **extra: Any,
    ) -> Post:
        rkey = f"3l{next(self._rkeys):011d}"
        post = Post(
            f"at://{did}/app.bsky.feed.post/{rkey}",
            did,
            handle,
            text,
            created,
            indexed or created,
            **extra,
        )
        self.posts.append(post)
        return post

    def error(self, status: int, error: str, message: str, **headers: str) -> Response:
        return Response.json({"error": error, "message": message}, status, **headers)

    def route(self, request: Request) -> Response:
        method = request.path.removeprefix("/xrpc/")
        auth = request.headers.get("authorization", "")
        signed_in = auth.removeprefix("Bearer ") in self.sessions
        if auth and not signed_in:
            return self.error(400, "ExpiredToken", "Token has expired")
        if method == "com.atproto.server.createSession":
            body = request.json() or {}
            if body.get("identifier") != self.handle or body.get("password") != self.password:
                return self.error(401, "AuthenticationRequired", "Invalid identifier or password")
            token = f"jwt-{len(self.sessions) + 1}"
            self.sessions.add(token)
            return Response.json(
                {
                    "accessJwt": token,
                    "refreshJwt": "r-" + token,
                    "handle": self.handle,
                    "did": "did:plc:brand",
                    "active": True,
                }
            )
        if method == "app.bsky.feed.searchPosts":
            return self._search(request, signed_in)
        if method == "app.bsky.actor.getProfiles":
            actors = request.query.get("actors", [])
            return Response.json(
                {
                    "profiles": [
                        {
                            "did": d,
                            "handle": self.names.get(d, d),
                            "followersCount": self.followers[d],
                            "followsCount": 1,
                            "postsCount": 1,
                        }
                        for d in actors
                        if d in self.followers
                    ]
                }
            )
        return self.error(404, "MethodNotImplemented", "Method Not Implemented")

    def _search(self, request: Request, signed_in: bool) -> Response:
        params = request.params
        if not signed_in and (self.public_search_disabled or "cursor" in params):
            return Response(
                403,
                b"<html><head><title>403 Forbidden</title></head></html>",
                {"Content-Type": "text/html"},
            )
        if not params.get("q"):
            return self.error(400, "InvalidRequest", 'Error: Params must have the property "q"')
        query = params["q"].lower()
        since = _parse(params["since"]) if params.get("since") else None
        until = _parse(params["until"]) if params.get("until") else None
        rows = [
            p
            for p in self.posts
            if query in p.text.lower()
            and (since is None or p.sort_at >= since)
            and (until is None or p.sort_at < until)
            and (not params.get("lang") or params["lang"] in p.langs)
        ]
        rows.sort(key=lambda p: p.sort_at, reverse=True)
        limit = max(1, min(int(params.get("limit") or 25), 100))
        offset = int(params.get("cursor") or 0)
        page = rows[offset : offset + limit]
        body: dict[str, Any] = {
            "hitsTotal": len(rows),
            "posts": [
                {
                    "uri": p.uri,
                    "cid": "bafyrei" + p.uri[-8:],
                    "author": {
                        "did": p.did,
                        "handle": p.handle,
                        "displayName": self.names.get(p.did, ""),
                        "labels": [],
                        "createdAt": "2024-01-01T00:00:00.000Z",
                    },
                    "record": {
                        "$type": "app.bsky.feed.post",
                        "text": p.text,
                        "createdAt": _z(p.created),
                        "langs": list(p.langs),
                    },
                    "replyCount": 0,
                    "repostCount": 0,
                    "likeCount": 0,
                    "quoteCount": 0,
                    "indexedAt": _z(p.indexed),
                    "labels": [],
                }
                for p in page
            ],
        }
        if offset + limit < len(rows):
            body["cursor"] = str(offset + limit)
        return Response.json(
            body,
            **{
                "RateLimit-Limit": "3000",
                "RateLimit-Remaining": "2999",
                "RateLimit-Policy": "3000;w=300",
            },
        )

    def throttle(self, reset_in: int = 90) -> None:
        reset = int(datetime.now(UTC).timestamp()) + reset_in
        self.fail_next.append(
            self.error(
                429,
                "RateLimitExceeded",
                "Rate Limit Exceeded",
                **{
                    "RateLimit-Limit": "3000",
                    "RateLimit-Remaining": "0",
                    "RateLimit-Reset": str(reset),
                    "RateLimit-Policy": "3000;w=300",
                },
            )
        )
