"""The collector contract: the registry, items the ingest accepts, errors in both languages,
the shared helpers and the swept window."""

import email.utils
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from incidents.monitoring.collectors import KINDS, CollectedItem, CollectorError, collector_for
from incidents.monitoring.collectors.base import html_text, item, redact, retry_after
from incidents.monitoring.collectors.window import TimeWindow
from incidents.monitoring.services.items import mention_item_clean

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_every_kind_is_registered_with_declared_fields() -> None:
    assert set(KINDS) == {"rss", "vk", "telegram", "youtube", "mastodon", "bluesky"}
    for kind in KINDS:
        collector = collector_for(kind)
        assert collector.kind == kind
        names = [f.name for f in (*collector.config_fields, *collector.credential_fields)]
        assert len(names) == len(set(names))
        assert all(str(f.label) for f in (*collector.config_fields, *collector.credential_fields))
    with pytest.raises(KeyError):
        collector_for("myspace")


def test_an_item_is_what_the_ingest_accepts() -> None:
    collected = CollectedItem(
        platform="vk",
        external_id="wall-1_2",
        text="Текст",
        posted_at=T0,
        author="Анна",
        url="https://vk.com/wall-1_2",
        reach=10,
        language="ru",
    )
    cleaned = mention_item_clean(collected.as_item(), now=T0 + timedelta(minutes=1))
    assert cleaned["posted_at"] == T0 and cleaned["external_id"] == "wall-1_2"
    assert cleaned["reach"] == 10 and cleaned["language"] == "ru"


def test_item_holds_values_to_the_ingest_limits() -> None:
    long = item(
        platform="news",
        external_id="x",
        text="a" * 20_000,
        posted_at=T0,
        author="b" * 500,
        url="javascript:alert(1)",
        reach=-5,
        language="Russian",
    )
    assert len(long.text) == 10_000 and len(long.author) == 200
    assert (long.url, long.reach, long.language) == ("", 0, "")
    assert mention_item_clean(long.as_item(), now=T0)
    assert item(platform="news", external_id="x", text="  ", posted_at=T0) is None
    assert item(platform="news", external_id="x" * 201, text="t", posted_at=T0) is None


def test_error_messages_in_both_languages() -> None:
    error = CollectorError("unavailable", "x")
    from django.utils.translation import gettext_lazy as _

    error = CollectorError(
        "auth",
        _("VK refused the access token: %(message)s (code %(code)s)."),
        params={"message": "User authorization failed", "code": 5},
    )
    with translation.override("en"):
        assert str(error) == "VK refused the access token: User authorization failed (code 5)."
    with translation.override("ru"):
        assert str(error) == "ВКонтакте отклонил ключ доступа: User authorization failed (код 5)."
    with pytest.raises(AssertionError):
        CollectorError("oops", "x")


def test_redact_and_html_text() -> None:
    assert redact("token abcdef123 leaked", ["abcdef123", ""]) == "token *** leaked"
    assert html_text("<p>One<br>two &amp; <b>three</b></p><script>x</script><p>Four</p>") == (
        "One\ntwo & three\n\nFour"
    )


def test_retry_after_seconds_and_dates() -> None:
    assert retry_after({"Retry-After": "30"}, 5) == 30
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert 100 < retry_after({"Retry-After": later}, 5) <= 120
    assert retry_after({}, 5) == 5 and retry_after({"Retry-After": "soon"}, 5) == 5


def test_window_overlap_and_seen_set() -> None:
    first = TimeWindow({}, now=T0, overlap=timedelta(minutes=15), lookback=timedelta(hours=24))
    assert (first.lower, first.upper) == (T0 - timedelta(hours=24), T0)
    first.note("a", T0 - timedelta(minutes=5))
    first.note("old", T0 - timedelta(hours=3))
    first.next_page("page-2")
    assert first.more and first.dump()["sweep"]["page"] == "page-2"
    resumed = TimeWindow(
        first.dump(),
        now=T0 + timedelta(hours=1),
        overlap=timedelta(minutes=15),
        lookback=timedelta(hours=24),
    )
    assert resumed.upper == T0 and resumed.page == "page-2"  # the sweep keeps its bounds
    resumed.next_page(None)
    state = resumed.dump()
    assert "sweep" not in state and set(state["seen"]) == {"a"}  # pruned to the overlap
    nxt = TimeWindow(
        state,
        now=T0 + timedelta(hours=1),
        overlap=timedelta(minutes=15),
        lookback=timedelta(hours=24),
    )
    assert nxt.lower == T0 - timedelta(minutes=15)
    assert not nxt.is_new("a", T0 - timedelta(minutes=5)) and nxt.is_new(
        "b", T0 - timedelta(minutes=5)
    )
