"""VK collector against a local VK API server."""

import time

import pytest

from incidents.monitoring.collectors import collector_for
from incidents.monitoring.collectors.vk import VkCollector
from tests.fakes.base import Response
from tests.fakes.vk import VkServer

from .conftest import raises_kind

TOKEN = "vk1.a.SECRET-token-1234567890"
CREDS = {"access_token": TOKEN}


@pytest.fixture
def vk(serve, monkeypatch) -> VkServer:
    monkeypatch.setattr(VkCollector, "min_interval", 0.0)
    server = serve(VkServer(TOKEN), "VK_API_URL", "/method/")
    server.person(1, "Анна", "Петрова", 15000)
    server.community(77, "Городские новости", 250000)
    return server


collector = collector_for("vk")
NOW = int(time.time())


@pytest.fixture(autouse=True)
def _now() -> None:
    # Dates relative to the test's own start: a whole suite imports this module long before.
    global NOW
    NOW = int(time.time())


def ids(result) -> list[str]:
    return [i.external_id for i in result.items]


def test_first_poll_searches_the_last_day_with_authors_and_reach(vk: VkServer) -> None:
    vk.post(5, 10, NOW - 600, "Бренд опять сломался", from_id=1)
    vk.post(-77, 20, NOW - 300, "Новости: бренд закрывает магазины")
    vk.post(5, 11, NOW - 2 * 86400, "бренд давно")  # older than the first look-back
    vk.post(5, 12, NOW - 100, "про другое")

    result = collector.collect({"query": "бренд"}, CREDS, {})

    assert ids(result) == ["wall-77_20", "wall5_10"]
    group_post, person_post = result.items
    assert (group_post.author, group_post.reach) == ("Городские новости", 250000)
    assert (person_post.author, person_post.reach) == ("Анна Петрова", 15000)
    assert person_post.url == "https://vk.com/wall5_10"
    assert person_post.platform == "vk"
    assert result.more is False
    (call,) = vk.requests
    assert call.method == "POST" and call.path == "/method/newsfeed.search"
    assert TOKEN not in call.path and not call.query  # the token travels in the body
    form = call.params
    assert form["access_token"] == TOKEN and form["v"] == "5.199"
    assert form["extended"] == "1" and form["fields"] == "followers_count,members_count"
    assert abs(int(form["start_time"]) - (time.time() - 86400)) < 5


def test_incremental_poll_fetches_nothing_twice_and_skips_nothing(vk: VkServer) -> None:
    vk.post(5, 1, NOW - 500, "бренд один", from_id=1)
    first = collector.collect({"query": "бренд"}, CREDS, {})
    assert ids(first) == ["wall5_1"]

    vk.post(5, 2, int(time.time()), "бренд два", from_id=1)
    # Indexed late: dated before the first poll ended, searchable only now.
    vk.post(5, 3, NOW - 60, "бренд три", from_id=1)
    second = collector.collect({"query": "бренд"}, CREDS, first.cursor)
    assert sorted(ids(second)) == ["wall5_2", "wall5_3"]
    since = vk.requests[-1].params
    assert int(since["start_time"]) < NOW  # the overlap reaches back

    third = collector.collect({"query": "бренд"}, CREDS, second.cursor)
    assert ids(third) == []


def test_paging_with_next_from_and_posts_arriving_while_paging(vk: VkServer) -> None:
    for n in range(450):
        vk.post(5, 1000 + n, NOW - 3000 + n, f"бренд пост {n}")

    def arrive(request) -> None:
        if request.params.get("start_from") and not any(p.id == 9999 for p in vk.posts):
            vk.post(5, 9999, int(time.time()), "бренд пока листали")

    vk.hooks.append(arrive)
    first = collector.collect({"query": "бренд"}, CREDS, {})
    assert len(first.items) == 450 and len(set(ids(first))) == 450
    pages = vk.calls("newsfeed.search")
    # Each page asks from where the previous one ended (the arrival shifted the last one).
    assert [p.params.get("start_from", "")[:4] for p in pages] == ["", "200/", "400/"]
    assert len({p.params["end_time"] for p in pages}) == 1  # one fixed upper bound per sweep

    second = collector.collect({"query": "бренд"}, CREDS, first.cursor)
    assert ids(second) == ["wall5_9999"]


def test_a_long_sweep_says_more_and_resumes_where_it_stopped(vk: VkServer) -> None:
    for n in range(700):
        vk.post(5, 1000 + n, NOW - 5000 + n, f"бренд {n}")
    first = collector.collect({"query": "бренд"}, CREDS, {})
    assert len(first.items) == 600 and first.more is True
    second = collector.collect({"query": "бренд"}, CREDS, first.cursor)
    assert len(second.items) == 100 and second.more is False
    assert not set(ids(first)) & set(ids(second))


@pytest.mark.parametrize(("code", "wait"), [(6, 2.0), (29, 3600.0)])
def test_rate_limit_errors_back_off(vk: VkServer, code: int, wait: float) -> None:
    vk.rate_limit(code)
    with raises_kind("rate_limited") as caught:
        collector.collect({"query": "бренд"}, CREDS, {})
    assert caught[0].retry_after == wait
    # The cursor given back is untouched, so the next poll resumes the same sweep.
    assert collector.collect({"query": "бренд"}, CREDS, {}).items == []


def test_authentication_failure_never_shows_the_token(vk: VkServer, all_logs) -> None:
    wrong = {"access_token": "vk1.a.WRONG-token-0987654321"}
    with raises_kind("auth") as caught:
        collector.collect({"query": "бренд"}, wrong, {})
    message = str(caught[0])
    assert "User authorization failed" in message
    assert "WRONG-token" not in message and "WRONG-token" not in repr(caught[0])
    collector.collect({"query": "бренд"}, CREDS, {})
    assert TOKEN not in all_logs() and "WRONG-token" not in all_logs()


def test_an_echoed_token_is_redacted_from_vk_messages(vk: VkServer) -> None:
    vk.fail_next.append(
        Response.json({"error": {"error_code": 100, "error_msg": f"bad param {TOKEN}"}})
    )
    with raises_kind("unavailable") as caught:
        collector.collect({"query": "бренд"}, CREDS, {})
    assert TOKEN not in str(caught[0]) and "***" in str(caught[0])


@pytest.mark.parametrize(
    "answer",
    [
        Response.html(200),
        Response.json({"response": {"items": "nope"}}),
        Response.json(["not", "an", "object"]),
        Response.json({"nothing": 1}),
    ],
)
def test_malformed_answers(vk: VkServer, answer: Response) -> None:
    vk.fail_next.append(answer)
    with raises_kind("malformed"):
        collector.collect({"query": "бренд"}, CREDS, {})


def test_an_html_error_page_is_unavailable(vk: VkServer) -> None:
    vk.fail_next.append(Response.html(502))
    with raises_kind("unavailable"):
        collector.collect({"query": "бренд"}, CREDS, {})


def test_community_walls_posts_and_comments(vk: VkServer) -> None:
    pinned = vk.post(-77, 1, NOW - 90 * 86400, "Закреп: правила", is_pinned=True)
    post = vk.post(-77, 50, NOW - 3600, "Мы открылись")
    vk.comment(post, 1, NOW - 3000, "Ужасный сервис")
    config = {"owner_ids": [-77]}

    first = collector.collect(config, CREDS, {})
    assert sorted(ids(first)) == sorted(
        ["wall-77_1", "wall-77_50", f"wall-77_50_r{post.comments[0]['id']}"]
    )
    reply = next(i for i in first.items if "_r" in i.external_id)
    assert reply.author == "Анна Петрова" and reply.reach == 15000
    assert reply.url.startswith("https://vk.com/wall-77_50?reply=")

    newer = vk.post(-77, 51, NOW - 60, "Акция", from_id=1)
    vk.comment(newer, 1, NOW - 30, "Где акция?")
    answer = vk.comment(post, -77, NOW - 20, "Извините, разберёмся")
    nested = vk.comment(post, 1, NOW - 10, "Жду", reply_to=answer)
    second = collector.collect(config, CREDS, first.cursor)
    assert sorted(ids(second)) == sorted(
        [
            "wall-77_51",
            f"wall-77_51_r{newer.comments[0]['id']}",
            f"wall-77_50_r{answer['id']}",
            f"wall-77_50_r{nested['id']}",
        ]
    )
    assert pinned.id == 1
    third = collector.collect(config, CREDS, second.cursor)
    assert ids(third) == []
    # Comments are asked for only where the count moved.
    assert len(vk.calls("wall.getComments")) == 3


def test_a_busy_wall_is_paged_with_offsets(vk: VkServer) -> None:
    vk.post(-77, 1, NOW - 9000, "первый")
    first = collector.collect({"owner_ids": [-77]}, CREDS, {})
    for n in range(150):
        vk.post(-77, 100 + n, NOW - 5000 + n, f"пост {n}")
    second = collector.collect({"owner_ids": [-77]}, CREDS, first.cursor)
    assert len(second.items) == 150
    assert [c.params["offset"] for c in vk.calls("wall.get")] == ["0", "0", "100"]


def test_test_connection(vk: VkServer) -> None:
    collector.test_connection({"query": "бренд", "owner_ids": [-77]}, CREDS)
    with raises_kind("auth"):
        collector.test_connection({"query": "бренд"}, {"access_token": "nope-nope-nope"})


@pytest.mark.parametrize(
    ("config", "credentials", "field"),
    [
        ({"query": "x"}, {}, "credentials.access_token"),
        ({}, CREDS, "config.query"),
        ({"owner_ids": ["abc"]}, CREDS, "config.owner_ids"),
        ({"owner_ids": "-1"}, CREDS, "config.owner_ids"),
        ({"query": 3}, CREDS, "config.query"),
        ({"query": "x"}, {"access_token": "t", "token": "x"}, "credentials.token"),
    ],
)
def test_validate_refuses(config: dict, credentials: dict, field: str) -> None:
    assert field in collector.validate(config, credentials)


def test_validate_accepts() -> None:
    assert collector.validate({"query": "бренд", "owner_ids": [-77, "-78"]}, CREDS) == {}
