"""A time window swept newest-first: the cursor shape shared by the search APIs (VK
newsfeed.search, YouTube search.list, Mastodon, Bluesky searchPosts).

Why a sweep with a fixed upper bound: these APIs return newest first and page with a token or an
offset. Posts that arrive while we page would shift the pages (a post seen twice, or one pushed
past the token), so a sweep fixes ``upper`` when it starts and only asks for posts before it; the
newcomers are the next sweep's. Why an overlap and a seen set: a search index lags (a post dated
12:00 may be searchable only at 12:03), so the next sweep starts ``overlap`` before the last one
ended and the ids already emitted inside that overlap are skipped. A poll therefore fetches
nothing twice and skips nothing that the index shows within ``overlap`` of its date.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .base import iso, parse_iso

MAX_SEEN = 5000


class TimeWindow:
    def __init__(
        self, state: Any, *, now: datetime, overlap: timedelta, lookback: timedelta
    ) -> None:
        state = state if isinstance(state, dict) else {}
        self.overlap = overlap
        since = parse_iso(state.get("since"))
        seen = state.get("seen")
        self.seen: dict[str, str] = (
            {str(k): str(v) for k, v in seen.items()} if isinstance(seen, dict) else {}
        )
        sweep = state.get("sweep") if isinstance(state.get("sweep"), dict) else None
        lower = parse_iso(sweep.get("lower")) if sweep else None
        upper = parse_iso(sweep.get("upper")) if sweep else None
        if sweep and lower and upper and lower <= upper:
            self.lower, self.upper = lower, upper
            page = sweep.get("page")
            self.page: str | None = page if isinstance(page, str) and page else None
            self.first_page = False
        else:
            self.lower = (since - overlap) if since else (now - lookback)
            self.upper = now
            self.page = None
            self.first_page = True
        self.since = since
        self.done = False

    def is_new(self, key: str, moment: datetime) -> bool:
        """Not emitted before, and inside this sweep (a service may round its bounds)."""
        return key not in self.seen and moment >= self.lower - timedelta(seconds=1)

    def note(self, key: str, moment: datetime) -> None:
        self.seen[key] = iso(moment)

    def next_page(self, token: str | None) -> None:
        """The token of the next page of this sweep, or None when the sweep is complete."""
        if token:
            self.page = token
            return
        self.done = True
        self.since = self.upper
        horizon = self.upper - self.overlap
        kept = {k: v for k, v in self.seen.items() if (parse_iso(v) or horizon) >= horizon}
        if len(kept) > MAX_SEEN:
            kept = dict(sorted(kept.items(), key=lambda kv: kv[1])[-MAX_SEEN:])
        self.seen = kept

    def dump(self) -> dict[str, Any]:
        state: dict[str, Any] = {"seen": self.seen}
        if self.since:
            state["since"] = iso(self.since)
        if not self.done:
            state["sweep"] = {"lower": iso(self.lower), "upper": iso(self.upper)}
            if self.page:
                state["sweep"]["page"] = self.page
        return state

    @property
    def more(self) -> bool:
        return not self.done
