"""YouTube collector against a local Data API v3 server."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.monitoring.collectors import collector_for
from tests.fakes.base import Response
from tests.fakes.youtube import YoutubeServer

from .conftest import raises_kind

KEY = "AIzaSy-SECRET-youtube-key-0123456789"
CREDS = {"api_key": KEY}
BRAND = "UC" + "b" * 22
collector = collector_for("youtube")


def ago(**delta: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(**delta)


@pytest.fixture
def yt(serve) -> YoutubeServer:
    server = serve(YoutubeServer(KEY), "YOUTUBE_API_URL", "/youtube/v3/")
    server.subscribers = {"UCreviewer": 2_000_000, "UCangry": 50, "UChidden": None}
    return server


def ids(result) -> list[str]:
    return [i.external_id for i in result.items]


def test_first_poll_finds_videos_and_their_comments(yt: YoutubeServer) -> None:
    video = yt.video(
        "vid00000001",
        "UCreviewer",
        "Обзор: бренд & скандал",
        ago(hours=2),
        description="Тот самый ролик",
        channel_title="Big Reviewer",
    )
    yt.comment(video, "angry", "UCangry", "Никогда больше не куплю", ago(hours=1))
    yt.video("vid00000002", "UCother", "Про котиков", ago(hours=1))
    yt.video("vid00000003", "UCreviewer", "бренд в прошлом году", ago(days=3))

    result = collector.collect({"query": "бренд"}, CREDS, {})

    assert ids(result) == ["video:vid00000001", f"comment:{video.comments[0]['id']}"]
    found, comment = result.items
    assert found.text == "Обзор: бренд & скандал\n\nТот самый ролик"
    assert (found.author, found.reach, found.platform) == ("Big Reviewer", 2_000_000, "youtube")
    assert found.url == "https://www.youtube.com/watch?v=vid00000001"
    assert (comment.author, comment.reach, comment.text) == ("angry", 50, "Никогда больше не куплю")
    assert comment.url.endswith(f"&lc={video.comments[0]['id']}")
    search = yt.calls("/search")[0].params
    assert search["key"] == KEY and search["type"] == "video" and search["order"] == "date"
    assert (
        search["part"] == "snippet" and "publishedAfter" in search and "publishedBefore" in search
    )
    threads = yt.calls("/commentThreads")[0].params
    assert threads["videoId"] == "vid00000001" and threads["order"] == "time"
    assert yt.units == 100 + 1 + 1  # one search, one thread list, one channels.list


def test_incremental_polls_keep_following_found_videos(yt: YoutubeServer) -> None:
    video = yt.video("vid00000001", "UCreviewer", "бренд", ago(hours=2))
    yt.comment(video, "angry", "UCangry", "one", ago(minutes=90))
    first = collector.collect({"query": "бренд"}, CREDS, {})

    yt.comment(video, "angry", "UCangry", "two", ago(minutes=1))
    later = yt.video("vid00000009", "UCangry", "бренд снова", ago(minutes=2))
    yt.comment(later, "angry", "UCangry", "three", ago(minutes=1))
    # Indexed late: published before the first poll ended.
    yt.video("vid00000008", "UCangry", "бренд поздно", ago(minutes=20))
    second = collector.collect({"query": "бренд"}, CREDS, first.cursor)
    assert sorted(ids(second)) == sorted(
        [
            "video:vid00000009",
            "video:vid00000008",
            f"comment:{video.comments[1]['id']}",
            f"comment:{later.comments[0]['id']}",
        ]
    )
    third = collector.collect({"query": "бренд"}, CREDS, second.cursor)
    assert ids(third) == []


def test_search_paging_and_comment_paging(yt: YoutubeServer) -> None:
    for n in range(120):
        yt.video(f"vid{n:08d}", "UCreviewer", f"бренд {n}", ago(minutes=600 - n))
    first = collector.collect({"query": "бренд"}, CREDS, {})
    assert len(first.items) == 100 and first.more is True  # two pages of 50 a call
    second = collector.collect({"query": "бренд"}, CREDS, first.cursor)
    videos = [i for i in second.items if i.external_id.startswith("video:")]
    assert len(videos) == 20 and second.more is False
    assert [c.params.get("pageToken") for c in yt.calls("/search")] == [None, "CA50", "CA100"]

    target = yt.videos[-1]
    for n in range(250):
        yt.comment(target, "angry", "UCangry", f"c{n}", ago(seconds=250 - n))
    third = collector.collect({"query": "бренд"}, CREDS, second.cursor)
    assert len([i for i in third.items if i.external_id.startswith("comment:")]) == 250


def test_brand_channel_comments(yt: YoutubeServer) -> None:
    own = yt.video("own00000001", BRAND, "Наш ролик", ago(days=30))
    yt.comment(own, "angry", "UCangry", "Верните деньги", ago(minutes=5))
    first = collector.collect({"channel_id": BRAND}, CREDS, {})
    assert ids(first) == [f"comment:{own.comments[0]['id']}"]
    assert yt.calls("/commentThreads")[0].params["allThreadsRelatedToChannelId"] == BRAND
    assert yt.calls("/search") == []  # no query: no 100-unit search
    yt.comment(own, "angry", "UCangry", "Жду ответа", ago(minutes=1))
    second = collector.collect({"channel_id": BRAND}, CREDS, first.cursor)
    assert ids(second) == [f"comment:{own.comments[1]['id']}"]


def test_a_video_with_comments_disabled_is_dropped(yt: YoutubeServer) -> None:
    video = yt.video("vid00000001", "UCreviewer", "бренд", ago(hours=1))
    video.comments_disabled = True
    result = collector.collect({"query": "бренд"}, CREDS, {})
    assert ids(result) == ["video:vid00000001"]
    assert result.cursor["videos"] == {}


def test_quota_exhausted_backs_off_until_pacific_midnight(yt: YoutubeServer) -> None:
    yt.quota_exceeded()
    with raises_kind("rate_limited") as caught:
        collector.collect({"query": "бренд"}, CREDS, {})
    assert 60 <= caught[0].retry_after <= 25 * 3600
    assert "quota" in str(caught[0]) and "<a" not in str(caught[0])


def test_rate_limit_exceeded_backs_off_briefly(yt: YoutubeServer) -> None:
    yt.fail_next.append(yt.error(403, "Rate Limit Exceeded", "rateLimitExceeded", "usageLimits"))
    with raises_kind("rate_limited") as caught:
        collector.collect({"query": "бренд"}, CREDS, {})
    assert caught[0].retry_after == 60


@pytest.mark.parametrize("legacy", [False, True])
def test_invalid_key_is_auth_without_the_key(yt: YoutubeServer, all_logs, legacy: bool) -> None:
    if legacy:  # the older body: reason keyInvalid, domain usageLimits
        yt.fail_next.append(yt.error(400, "Bad Request", "keyInvalid", "usageLimits"))
        credentials = CREDS
    else:
        credentials = {"api_key": "AIzaSy-WRONG-key-9876543210"}
    with raises_kind("auth") as caught:
        collector.collect({"query": "бренд"}, credentials, {})
    assert "WRONG-key" not in str(caught[0]) + repr(caught[0])
    assert KEY not in all_logs() and "WRONG-key" not in all_logs()


@pytest.mark.parametrize(
    "answer",
    [
        Response(200, b"<html>502</html>", {"Content-Type": "text/html"}),
        Response.json({"items": "x"}),
        Response.json([1, 2]),
    ],
)
def test_malformed_answers(yt: YoutubeServer, answer: Response) -> None:
    yt.fail_next.append(answer)
    with raises_kind("malformed"):
        collector.collect({"query": "бренд"}, CREDS, {})


def test_server_errors_are_unavailable(yt: YoutubeServer) -> None:
    yt.fail_next.append(Response.html(503))
    with raises_kind("unavailable"):
        collector.collect({"query": "бренд"}, CREDS, {})


def test_test_connection_spends_one_unit(yt: YoutubeServer) -> None:
    yt.subscribers[BRAND] = 10
    collector.test_connection({"query": "бренд", "channel_id": BRAND}, CREDS)
    assert yt.units == 2
    with raises_kind("config"):
        collector.test_connection({"channel_id": "UC" + "x" * 22}, CREDS)


@pytest.mark.parametrize(
    ("config", "credentials", "field"),
    [
        ({"query": "x"}, {}, "credentials.api_key"),
        ({}, CREDS, "config.query"),
        ({"channel_id": "brand"}, CREDS, "config.channel_id"),
    ],
)
def test_validate_refuses(config: dict, credentials: dict, field: str) -> None:
    assert field in collector.validate(config, credentials)


def test_validate_accepts() -> None:
    assert collector.validate({"query": "бренд", "channel_id": BRAND}, CREDS) == {}
