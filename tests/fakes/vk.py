"""A VK API server: /method/newsfeed.search, /method/wall.get, /method/wall.getComments as
documented on dev.vk.com and in VKCOM/vk-api-schema (v5.199): GET or form POST, the answer
``{"response": …}`` or, with HTTP 200 still, ``{"error": {"error_code", "error_msg",
"request_params"}}``; ``extended=1`` adds ``profiles`` and ``groups`` (with ``followers_count`` /
``members_count`` only when ``fields`` asks for them); ``next_from`` pages the search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import FakeService, Request, Response


@dataclass
class Post:
    owner_id: int
    id: int
    from_id: int
    date: int
    text: str
    is_pinned: bool = False
    comments: list[dict] = field(default_factory=list)
    copy_history: list[dict] | None = None

    def wire(self) -> dict[str, Any]:
        post: dict[str, Any] = {
            "id": self.id,
            "owner_id": self.owner_id,
            "from_id": self.from_id,
            "date": self.date,
            "post_type": "post",
            "text": self.text,
            "comments": {
                "count": len(self.comments)
                + sum(len(c.get("thread", {}).get("items", [])) for c in self.comments),
                "can_post": 1,
            },
            "likes": {"count": 0},
            "reposts": {"count": 0},
        }
        if self.is_pinned:
            post["is_pinned"] = 1
        if self.copy_history:
            post["copy_history"] = self.copy_history
        return post


class VkServer(FakeService):
    def __init__(self, token: str = "vk1.a.SECRET-token-1234567890") -> None:
        super().__init__()
        self.token = token
        self.posts: list[Post] = []
        self.profiles: dict[int, dict] = {}
        self.groups: dict[int, dict] = {}
        self.next_comment_id = 1000

    # -- the test's side ----------------------------------------------------------------------------

    def person(self, user_id: int, first: str, last: str, followers: int) -> None:
        self.profiles[user_id] = {
            "id": user_id,
            "first_name": first,
            "last_name": last,
            "followers_count": followers,
        }

    def community(self, group_id: int, name: str, members: int) -> None:
        self.groups[group_id] = {
            "id": group_id,
            "name": name,
            "screen_name": f"club{group_id}",
            "members_count": members,
        }

    def post(
        self,
        owner_id: int,
        post_id: int,
        date: int,
        text: str,
        *,
        from_id: int | None = None,
        **extra: Any,
    ) -> Post:
        post = Post(
            owner_id, post_id, owner_id if from_id is None else from_id, date, text, **extra
        )
        self.posts.append(post)
        return post

    def comment(
        self, post: Post, from_id: int, date: int, text: str, *, reply_to: dict | None = None
    ) -> dict:
        self.next_comment_id += 1
        comment = {
            "id": self.next_comment_id,
            "from_id": from_id,
            "post_id": post.id,
            "owner_id": post.owner_id,
            "parents_stack": [],
            "date": date,
            "text": text,
            "thread": {"count": 0, "items": [], "can_post": True},
        }
        if reply_to:
            comment["parents_stack"] = [reply_to["id"]]
            reply_to["thread"]["items"].append(comment)
            reply_to["thread"]["count"] += 1
        else:
            post.comments.append(comment)
        return comment

    # -- the wire -----------------------------------------------------------------------------------

    def _error(self, code: int, message: str, method: str, params: dict) -> Response:
        request_params = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
        request_params += [{"key": k, "value": v} for k, v in params.items() if k != "access_token"]
        return Response.json(
            {"error": {"error_code": code, "error_msg": message, "request_params": request_params}}
        )

    def route(self, request: Request) -> Response:
        method = request.path.rsplit("/", 1)[-1]
        params = request.params
        token = params.get("access_token") or request.headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        if token != self.token:
            return self._error(
                5, "User authorization failed: invalid access_token (4).", method, params
            )
        handler = {
            "newsfeed.search": self._search,
            "wall.get": self._wall_get,
            "wall.getComments": self._get_comments,
        }.get(method)
        if handler is None:
            return self._error(3, "Unknown method passed", method, params)
        return Response.json({"response": handler(params)})

    def _extended(self, params: dict, from_ids: list[int]) -> dict[str, Any]:
        if params.get("extended") != "1":
            return {}
        fields = set((params.get("fields") or "").split(","))

        def shape(entity: dict, counter: str) -> dict:
            base = {k: v for k, v in entity.items() if k != counter}
            if counter in fields:
                base[counter] = entity[counter]
            return base

        profiles = [
            shape(self.profiles[i], "followers_count")
            for i in dict.fromkeys(from_ids)
            if i > 0 and i in self.profiles
        ]
        groups = [
            shape(self.groups[-i], "members_count")
            for i in dict.fromkeys(from_ids)
            if i < 0 and -i in self.groups
        ]
        return {"profiles": profiles, "groups": groups}

    def _search(self, params: dict) -> dict[str, Any]:
        query = (params.get("q") or "").lower()
        start = int(params.get("start_time") or 0)
        end = int(params.get("end_time") or 2**40)
        count = min(int(params.get("count") or 30), 200)
        matches = sorted(
            (p for p in self.posts if query in p.text.lower() and start <= p.date <= end),
            key=lambda p: (p.date, p.id),
            reverse=True,
        )
        offset = int((params.get("start_from") or "0/").split("/", 1)[0])
        page = matches[offset : offset + count]
        answer: dict[str, Any] = {
            "items": [p.wire() for p in page],
            "count": len(page),
            "total_count": len(matches),
            **self._extended(params, [p.from_id for p in page]),
        }
        if offset + count < len(matches):
            last = page[-1]
            answer["next_from"] = f"{offset + count}/{last.owner_id}_{last.id}"
        return answer

    def _wall_get(self, params: dict) -> dict[str, Any]:
        owner = int(params["owner_id"])
        wall = sorted(
            (p for p in self.posts if p.owner_id == owner), key=lambda p: p.id, reverse=True
        )
        wall.sort(key=lambda p: not p.is_pinned)  # the pinned post comes first
        offset, count = int(params.get("offset") or 0), min(int(params.get("count") or 20), 100)
        page = wall[offset : offset + count]
        return {
            "count": len(wall),
            "items": [p.wire() for p in page],
            **self._extended(params, [p.from_id for p in page]),
        }

    def _get_comments(self, params: dict) -> dict[str, Any]:
        owner, post_id = int(params["owner_id"]), int(params["post_id"])
        post = next(p for p in self.posts if p.owner_id == owner and p.id == post_id)
        comments = sorted(
            post.comments, key=lambda c: c["id"], reverse=params.get("sort") == "desc"
        )
        offset, count = int(params.get("offset") or 0), min(int(params.get("count") or 10), 100)
        inline = int(params.get("thread_items_count") or 0)
        page = []
        for comment in comments[offset : offset + count]:
            shown = dict(comment)
            shown["thread"] = {**comment["thread"], "items": comment["thread"]["items"][:inline]}
            page.append(shown)
        from_ids = [c["from_id"] for c in page] + [
            r["from_id"] for c in page for r in c["thread"]["items"]
        ]
        return {
            "count": len(comments),
            "current_level_count": len(comments),
            "can_post": 1,
            "show_reply_button": 1,
            "groups_can_post": True,
            "items": page,
            **self._extended(params, from_ids),
        }

    def rate_limit(self, code: int = 6, times: int = 1) -> None:
        message = {6: "Too many requests per second", 29: "Rate limit reached"}[code]
        for _ in range(times):
            self.fail_next.append(
                Response.json(
                    {"error": {"error_code": code, "error_msg": message, "request_params": []}}
                )
            )
