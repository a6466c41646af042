"""RSS/Atom collector against a local feed server."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.monitoring.collectors import CollectorError, collector_for
from tests.fakes.base import Response
from tests.fakes.rss import FeedServer

from .conftest import raises_kind

rss = collector_for("rss")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def feed(serve) -> FeedServer:
    return serve(FeedServer())


def test_first_poll_reads_every_entry_as_a_news_item(feed: FeedServer) -> None:
    feed.add(
        "g-1",
        "Завод закрыт",
        "<p>Жители <b>жалуются</b> &amp; пишут</p>",
        T0,
        link="https://news.example/1",
        author="Редакция",
    )
    feed.add("g-2", "Second", "<script>x()</script>Body two", T0 + timedelta(minutes=5))

    result = rss.collect({"url": feed.url + "/rss.xml"}, {}, {})

    assert [i.external_id for i in result.items] == ["g-2", "g-1"]
    first = result.items[1]
    assert first.platform == "news"
    assert first.text == "Завод закрыт\n\nЖители жалуются & пишут"
    assert first.posted_at == T0
    assert first.url == "https://news.example/1"
    assert first.author == "Редакция"
    assert first.language == "ru"
    assert result.items[0].text == "Second\n\nBody two"
    assert result.more is False
    assert first.as_item()["posted_at"] == "2026-03-01T09:00:00Z"


def test_incremental_poll_returns_only_new_entries_and_uses_conditional_get(
    feed: FeedServer,
) -> None:
    feed.add("g-1", "One", "a", T0)
    first = rss.collect({"url": feed.url + "/rss.xml"}, {}, {})

    unchanged = rss.collect({"url": feed.url + "/rss.xml"}, {}, first.cursor)
    assert unchanged.items == []
    assert feed.requests[-1].headers["if-none-match"] == first.cursor["etag"]
    assert feed.requests[-1].headers["if-modified-since"] == "Mon, 02 Mar 2026 10:00:00 GMT"

    feed.add("g-2", "Two", "b", T0 + timedelta(hours=1))
    feed.add("g-3", "Three", "c", T0 - timedelta(days=2))  # back-dated: still new to us
    second = rss.collect({"url": feed.url + "/rss.xml"}, {}, unchanged.cursor)
    assert sorted(i.external_id for i in second.items) == ["g-2", "g-3"]

    third = rss.collect({"url": feed.url + "/rss.xml"}, {}, second.cursor)
    assert third.items == []


def test_without_etag_the_seen_ids_still_prevent_duplicates(feed: FeedServer) -> None:
    feed.conditional = False
    feed.add("g-1", "One", "a", T0)
    first = rss.collect({"url": feed.url + "/rss.xml"}, {}, {})
    assert "etag" not in first.cursor
    assert rss.collect({"url": feed.url + "/rss.xml"}, {}, first.cursor).items == []


def test_atom_feed_and_entries_without_guid_use_the_link(feed: FeedServer) -> None:
    feed.add(
        None,
        "Alert",
        "<div>Brand &lt;recall&gt;</div>",
        T0,
        link="https://a.example/x",
        author="Google Alerts",
    )
    result = rss.collect({"url": feed.url + "/atom.xml", "platform": "reviews"}, {}, {})
    (only,) = result.items
    assert only.external_id == "https://a.example/x"
    assert only.platform == "reviews"
    assert only.text == "Alert\n\nBrand <recall>"


def test_rss_entry_without_guid_or_date(feed: FeedServer) -> None:
    feed.add(None, "No id", "body", None, link="https://news.example/no-id")
    before = datetime.now(UTC)
    (only,) = rss.collect({"url": feed.url + "/rss.xml"}, {}, {}).items
    assert only.external_id == "https://news.example/no-id"
    assert only.posted_at >= before - timedelta(seconds=1)


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Response.html(502), "unavailable"),
        (
            Response(
                200, b"<html><body>Just a web page</body></html>", {"Content-Type": "text/html"}
            ),
            "malformed",
        ),
        (Response(200, b"/etc/passwd", {"Content-Type": "text/plain"}), "malformed"),
        (Response(404, b"nope"), "config"),
        (Response(401, b"login"), "auth"),
        (Response(429, b"slow", {"Retry-After": "120"}), "rate_limited"),
    ],
)
def test_failures_are_collector_errors(feed: FeedServer, answer: Response, kind: str) -> None:
    feed.fail_next.append(answer)
    with raises_kind(kind) as caught:
        rss.collect({"url": feed.url + "/rss.xml"}, {}, {})
    if kind == "rate_limited":
        assert caught[0].retry_after == 120
    assert str(caught[0])


def test_a_moved_feed_asks_for_the_new_address(feed: FeedServer) -> None:
    feed.fail_next.append(Response(301, b"", {"Location": "https://news.example/feed"}))
    with raises_kind("config") as caught:
        rss.collect({"url": feed.url + "/rss.xml"}, {}, {})
    assert "https://news.example/feed" in str(caught[0])


def test_unreachable_feed_is_unavailable(settings) -> None:
    # Listed, so that the outbound policy lets it through to a port nobody listens on.
    settings.OUTBOUND_ALLOW_HOSTS = ["127.0.0.1:9"]
    with raises_kind("unavailable"):
        rss.collect({"url": "http://127.0.0.1:9/rss.xml"}, {}, {})


def test_test_connection(feed: FeedServer) -> None:
    rss.test_connection({"url": feed.url + "/rss.xml"}, {})
    with pytest.raises(CollectorError):
        rss.test_connection({"url": feed.url + "/missing.xml"}, {})


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({}, "config.url"),
        ({"url": "ftp://x"}, "config.url"),
        ({"url": 5}, "config.url"),
        ({"url": "https://x", "platform": "vk"}, "config.platform"),
        ({"url": "https://x", "urll": "typo"}, "config.urll"),
    ],
)
def test_validate_refuses(config: dict, field: str) -> None:
    assert field in rss.validate(config, {})


def test_validate_accepts() -> None:
    assert rss.validate({"url": "https://news.example/rss", "platform": "news"}, {}) == {}
