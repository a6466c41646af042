"""Bluesky collector against a local XRPC server."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from incidents.monitoring.collectors import collector_for
from tests.fakes.base import Response
from tests.fakes.bluesky import BlueskyServer

from .conftest import raises_kind

PASSWORD = "abcd-SECRET-efgh-ijkl"
SIGNED_IN = {"identifier": "brand.bsky.social", "app_password": PASSWORD}
collector = collector_for("bluesky")


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@pytest.fixture
def sky(serve, settings) -> BlueskyServer:
    server = serve(BlueskyServer(password=PASSWORD), "BLUESKY_API_URL", "/xrpc/")
    settings.BLUESKY_PDS_URL = server.url + "/xrpc/"
    # A cache of this test's own: other runs on the machine clear the shared Redis one.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    server.followers = {"did:plc:alice": 70_000}
    server.names = {"did:plc:alice": "Alice"}
    cache.clear()
    return server


def test_first_poll_public_search(sky: BlueskyServer) -> None:
    post = sky.post(
        "did:plc:alice", "alice.bsky.social", "Бренд подвёл", ago(minutes=30), langs=("ru",)
    )
    sky.post("did:plc:bob", "bob.bsky.social", "другое", ago(minutes=20))
    sky.post("did:plc:bob", "bob.bsky.social", "бренд давно", ago(days=2))

    result = collector.collect({"query": "бренд"}, {}, {})

    (only,) = result.items
    assert only.external_id == post.uri
    assert (
        only.url == f"https://bsky.app/profile/alice.bsky.social/post/{post.uri.rsplit('/', 1)[-1]}"
    )
    assert (only.text, only.author, only.reach, only.language) == (
        "Бренд подвёл",
        "Alice",
        70_000,
        "ru",
    )
    search = sky.calls("app.bsky.feed.searchPosts")[0]
    assert search.params["sort"] == "latest" and search.params["limit"] == "100"
    assert "since" in search.params and "cursor" not in search.params
    assert "authorization" not in search.headers


def test_incremental_poll_and_a_client_clock_ahead(sky: BlueskyServer) -> None:
    sky.post("did:plc:alice", "alice.bsky.social", "бренд 1", ago(minutes=5))
    first = collector.collect({"query": "бренд"}, {}, {})
    late = sky.post(
        "did:plc:bob", "bob.bsky.social", "бренд поздно", ago(minutes=3), indexed=datetime.now(UTC)
    )
    ahead = sky.post(
        "did:plc:bob",
        "bob.bsky.social",
        "бренд из будущего",
        ago(minutes=-60),
        indexed=datetime.now(UTC),
    )
    second = collector.collect({"query": "бренд"}, {}, first.cursor)
    assert sorted(i.external_id for i in second.items) == sorted([late.uri, ahead.uri])
    assert max(i.posted_at for i in second.items) <= datetime.now(
        UTC
    )  # sortAt, not the claimed date
    assert collector.collect({"query": "бренд"}, {}, second.cursor).items == []


def test_public_paging_steps_down_with_until(sky: BlueskyServer) -> None:
    for n in range(230):
        sky.post("did:plc:bob", "bob.bsky.social", f"бренд {n}", ago(seconds=2000 - n * 5))
    result = collector.collect({"query": "бренд"}, {}, {})
    assert len(result.items) == 230 and len({i.external_id for i in result.items}) == 230
    assert result.more is False
    calls = sky.calls("app.bsky.feed.searchPosts")
    assert len(calls) == 3 and all("cursor" not in c.params for c in calls)


def test_signed_in_search_uses_the_cursor_and_one_session(sky: BlueskyServer) -> None:
    for n in range(150):
        sky.post("did:plc:bob", "bob.bsky.social", f"бренд {n}", ago(seconds=1000 - n))
    first = collector.collect({"query": "бренд"}, SIGNED_IN, {})
    assert len(first.items) == 150
    calls = sky.calls("app.bsky.feed.searchPosts")
    assert [c.params.get("cursor") for c in calls] == [None, "100"]
    assert [c.headers.get("authorization") for c in calls] == ["Bearer jwt-1"] * 2
    collector.collect({"query": "бренд"}, SIGNED_IN, first.cursor)
    assert len(sky.calls("com.atproto.server.createSession")) == 1  # cached
    stored = json.dumps(first.cursor)  # JSON-able, and no session or password in it
    assert "jwt-" not in stored and PASSWORD not in stored


def test_an_expired_session_signs_in_again(sky: BlueskyServer) -> None:
    collector.collect({"query": "бренд"}, SIGNED_IN, {})
    sky.sessions.clear()
    collector.collect({"query": "бренд"}, SIGNED_IN, {})
    assert len(sky.calls("com.atproto.server.createSession")) == 2


def test_public_search_switched_off_says_what_to_do(sky: BlueskyServer) -> None:
    sky.public_search_disabled = True
    with raises_kind("config") as caught:
        collector.collect({"query": "бренд"}, {}, {})
    assert "app password" in str(caught[0])
    assert collector.collect({"query": "бренд"}, SIGNED_IN, {}).items == []


def test_wrong_app_password_is_auth_and_not_shown(sky: BlueskyServer, all_logs) -> None:
    wrong = {"identifier": "brand.bsky.social", "app_password": "zzzz-WRONG-yyyy-xxxx"}
    with raises_kind("auth") as caught:
        collector.collect({"query": "бренд"}, wrong, {})
    assert "Invalid identifier or password" in str(caught[0])
    assert "WRONG" not in str(caught[0]) + repr(caught[0])
    collector.collect({"query": "бренд"}, SIGNED_IN, {})
    assert "WRONG" not in all_logs() and PASSWORD not in all_logs()


def test_rate_limit_uses_ratelimit_reset(sky: BlueskyServer) -> None:
    sky.throttle(90)
    with raises_kind("rate_limited") as caught:
        collector.collect({"query": "бренд"}, {}, {})
    assert 80 <= caught[0].retry_after <= 91


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Response(200, b"<html></html>", {"Content-Type": "text/html"}), "malformed"),
        (Response.json({"feed": []}), "malformed"),
        (Response.html(502), "unavailable"),
        (Response.json({"error": "BadQueryString", "message": "bad"}, 400), "config"),
    ],
)
def test_bad_answers(sky: BlueskyServer, answer: Response, kind: str) -> None:
    sky.fail_next.append(answer)
    with raises_kind(kind):
        collector.collect({"query": "бренд"}, {}, {})


def test_test_connection(sky: BlueskyServer) -> None:
    collector.test_connection({"query": "бренд"}, {})


@pytest.mark.parametrize(
    ("config", "credentials", "field"),
    [
        ({}, {}, "config.query"),
        ({"query": "x"}, {"identifier": "a.bsky.social"}, "credentials.app_password"),
        ({"query": "x", "lang": 5}, {}, "config.lang"),
    ],
)
def test_validate_refuses(config: dict, credentials: dict, field: str) -> None:
    assert field in collector.validate(config, credentials)


def test_validate_accepts() -> None:
    assert collector.validate({"query": "бренд", "lang": "ru"}, SIGNED_IN) == {}
