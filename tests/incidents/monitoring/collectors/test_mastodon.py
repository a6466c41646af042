"""Mastodon collector against a local instance."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.monitoring.collectors import collector_for
from tests.fakes.base import Response
from tests.fakes.mastodon import MastodonServer

from .conftest import raises_kind

TOKEN = "mstdn-SECRET-token-abcdef123456"
collector = collector_for("mastodon")


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@pytest.fixture
def masto(serve) -> MastodonServer:
    return serve(MastodonServer(TOKEN))


def tag_config(masto: MastodonServer) -> dict:
    return {"instance": masto.url, "hashtag": "#Brand"}


def keys(result) -> list[str]:
    return [i.external_id.rsplit("/", 1)[-1] for i in result.items]


def test_hashtag_first_poll_without_a_token(masto: MastodonServer) -> None:
    one = masto.status(
        ago(hours=2),
        "<p>Ужас, <a href='x'>#brand</a> &amp; всё</p>",
        tags=("brand",),
        display_name="Alice A",
        followers=5000,
        spoiler="CW: злость",
    )
    masto.status(ago(hours=1), "<p>other</p>", tags=("cats",))
    masto.status(ago(days=3), "<p>old #brand</p>", tags=("brand",))

    result = collector.collect(tag_config(masto), {}, {})

    (only,) = result.items
    assert only.external_id == f"https://{masto.hostport}/users/alice/statuses/{one.id}"
    assert only.text == "CW: злость\n\nУжас, #brand & всё"
    assert (only.author, only.reach, only.language, only.platform) == (
        "Alice A",
        5000,
        "ru",
        "other",
    )
    assert only.url == f"https://{masto.hostport}/@alice/{one.id}"
    (call,) = masto.requests
    assert call.path == "/api/v1/timelines/tag/Brand" and "authorization" not in call.headers
    assert call.params["limit"] == "40" and "min_id" in call.params and "max_id" in call.params


def test_incremental_and_forward_paging_through_a_busy_hashtag(masto: MastodonServer) -> None:
    for n in range(95):
        masto.status(ago(minutes=300 - n), f"<p>#brand {n}</p>", tags=("brand",))
    first = collector.collect(tag_config(masto), {}, {})
    assert len(first.items) == 95 and len(set(keys(first))) == 95 and first.more is False
    min_ids = [c.params["min_id"] for c in masto.requests]
    assert len(min_ids) == 3 and min_ids[1] == str(masto.statuses[39].id)  # from Link rel="prev"

    late = masto.status(ago(minutes=10), "<p>federated late #brand</p>", tags=("brand",))
    fresh = masto.status(ago(seconds=1), "<p>new #brand</p>", tags=("brand",))
    second = collector.collect(tag_config(masto), {}, first.cursor)
    assert sorted(keys(second)) == sorted([str(late.id), str(fresh.id)])
    assert collector.collect(tag_config(masto), {}, second.cursor).items == []


def test_search_with_a_token_pages_down(masto: MastodonServer) -> None:
    for n in range(50):
        masto.status(ago(minutes=100 - n), f"<p>бренд {n}</p>")
    config = {"instance": masto.url, "query": "бренд"}
    first = collector.collect(config, {"access_token": TOKEN}, {})
    assert len(first.items) == 50 and first.more is False
    calls = masto.calls("/api/v2/search")
    assert calls[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert calls[0].params["type"] == "statuses" and len(calls) == 2
    masto.status(ago(seconds=1), "<p>бренд новый</p>")
    second = collector.collect(config, {"access_token": TOKEN}, first.cursor)
    assert [i.text for i in second.items] == ["бренд новый"]


def test_search_without_a_token_is_refused_clearly(masto: MastodonServer, all_logs) -> None:
    with raises_kind("auth") as caught:
        collector.collect({"instance": masto.url, "query": "бренд"}, {}, {})
    assert "access token is invalid" in str(caught[0])
    with raises_kind("auth") as caught:
        collector.collect(
            {"instance": masto.url, "query": "бренд"}, {"access_token": "mstdn-WRONG-000000"}, {}
        )
    assert "WRONG" not in str(caught[0]) and "WRONG" not in all_logs() and TOKEN not in all_logs()


def test_an_unknown_hashtag_is_simply_empty(masto: MastodonServer) -> None:
    masto.status(ago(minutes=5), "<p>x</p>", tags=("other",))
    result = collector.collect(tag_config(masto), {}, {})
    assert result.items == [] and result.more is False


def test_rate_limit_uses_the_reset_header(masto: MastodonServer) -> None:
    masto.throttle()
    with raises_kind("rate_limited") as caught:
        collector.collect(tag_config(masto), {}, {})
    assert 60 < caught[0].retry_after <= 121


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Response.html(200), "malformed"),
        (Response.json({"statuses": []}), "malformed"),
        (Response.html(502), "unavailable"),
    ],
)
def test_bad_answers(masto: MastodonServer, answer: Response, kind: str) -> None:
    masto.fail_next.append(answer)
    with raises_kind(kind):
        collector.collect(tag_config(masto), {}, {})


def test_test_connection(masto: MastodonServer) -> None:
    collector.test_connection(tag_config(masto), {})


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"hashtag": "brand"}, "config.instance"),
        ({"instance": "https://m.social"}, "config.hashtag"),
        ({"instance": "https://m.social", "hashtag": "two words"}, "config.hashtag"),
        ({"instance": "https://m.social/@me", "hashtag": "brand"}, "config.instance"),
    ],
)
def test_validate_refuses(config: dict, field: str) -> None:
    assert field in collector.validate(config, {})


def test_validate_accepts() -> None:
    assert (
        collector.validate({"instance": "https://mastodon.social", "hashtag": "#бренд"}, {}) == {}
    )
    assert (
        collector.validate(
            {"instance": "https://mastodon.social", "query": "x"}, {"access_token": "t"}
        )
        == {}
    )
