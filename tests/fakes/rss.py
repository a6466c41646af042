"""A feed server: RSS 2.0 (https://www.rssboard.org/rss-specification) at /rss.xml and Atom
(RFC 4287) at /atom.xml, built from ``entries``; ETag and Last-Modified with 304 answers to a
conditional GET (RFC 9110 §13.1)."""

from __future__ import annotations

import email.utils
import hashlib
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from .base import FakeService, Request, Response


@dataclass
class Entry:
    guid: str | None
    title: str
    body: str  # HTML
    published: datetime | None
    link: str = ""
    author: str = ""


class FeedServer(FakeService):
    def __init__(self, *, language: str = "ru") -> None:
        super().__init__()
        self.entries: list[Entry] = []
        self.language = language
        self.conditional = True

    def add(
        self, guid: str | None, title: str, body: str, published: datetime | None, **extra: str
    ) -> Entry:
        entry = Entry(guid, title, body, published, **extra)
        self.entries.insert(0, entry)  # feeds list newest first
        return entry

    def rss(self) -> bytes:
        items = []
        for e in self.entries:
            parts = [
                f"<title>{escape(e.title)}</title>",
                f"<description>{escape(e.body)}</description>",
            ]
            if e.guid:
                parts.append(f'<guid isPermaLink="false">{escape(e.guid)}</guid>')
            if e.link:
                parts.append(f"<link>{escape(e.link)}</link>")
            if e.author:
                parts.append(f"<author>{escape(e.author)}</author>")
            if e.published:
                parts.append(f"<pubDate>{email.utils.format_datetime(e.published)}</pubDate>")
            items.append("<item>" + "".join(parts) + "</item>")
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Brand news</title><link>https://news.example/</link>"
            f"<description>Feed</description><language>{self.language}</language>"
            + "".join(items)
            + "</channel></rss>"
        ).encode()

    def atom(self) -> bytes:
        entries = []
        for e in self.entries:
            stamp = (e.published or datetime.now()).isoformat()
            entries.append(
                "<entry>"
                f"<id>{escape(e.guid or e.link)}</id><title>{escape(e.title)}</title>"
                f'<link href="{escape(e.link)}"/><updated>{stamp}</updated>'
                f"<author><name>{escape(e.author)}</name></author>"
                f'<content type="html">{escape(e.body)}</content>'
                "</entry>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Alerts</title><id>tag:alerts</id><updated>2026-01-01T00:00:00Z</updated>"
            + "".join(entries)
            + "</feed>"
        ).encode()

    def route(self, request: Request) -> Response:
        if request.path == "/rss.xml":
            body, kind = self.rss(), "application/rss+xml; charset=utf-8"
        elif request.path == "/atom.xml":
            body, kind = self.atom(), "application/atom+xml; charset=utf-8"
        else:
            return Response(
                404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"}
            )
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        modified = "Mon, 02 Mar 2026 10:00:00 GMT"
        if self.conditional and request.headers.get("if-none-match") == etag:
            return Response(304, b"", {"ETag": etag, "Last-Modified": modified})
        headers = {"Content-Type": kind}
        if self.conditional:
            headers |= {"ETag": etag, "Last-Modified": modified}
        return Response(200, body, headers)
