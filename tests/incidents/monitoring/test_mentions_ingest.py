"""mention_ingest: idempotent upsert, per-item rejections, sentiment, counters."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.monitoring.models import Mention, MentionBucket
from incidents.monitoring.services import mention_ingest
from tests.factories import MonitoringRuleFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 10, 12, 0, 30, tzinfo=UTC)
OUT_OF_WINDOW = "Must be between 2000-01-01 and 5 minutes from now (UTC)."


class StartsWith(str):
    """Equal to any string that starts with it (messages that list every choice)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.startswith(str(self))

    __hash__ = str.__hash__


def item(external_id: str = "1", **overrides: object) -> dict:
    base = {
        "platform": "vk",
        "external_id": external_id,
        "text": "Отличный кофе, спасибо!",
        "posted_at": "2025-03-10T11:58:00Z",
    }
    return {**base, **overrides}


def test_the_same_batch_twice_stores_each_mention_once(agency) -> None:
    batch = [item("a"), item("b", platform="telegram"), item("c", text="Terrible service")]

    first = mention_ingest(brand=agency.brand, items=batch, now=NOW)
    second = mention_ingest(brand=agency.brand, items=batch, now=NOW)

    assert (first.created, first.updated, first.rejected) == (3, 0, [])
    assert (second.created, second.updated, second.rejected) == (0, 3, [])
    assert Mention.objects.filter(brand=agency.brand).count() == 3
    assert sorted(first.mention_ids) == sorted(second.mention_ids)


def test_a_changed_text_or_reach_updates_the_stored_mention(agency) -> None:
    mention_ingest(brand=agency.brand, items=[item("a", reach=10)], now=NOW)

    result = mention_ingest(
        brand=agency.brand,
        items=[item("a", text="Ужасный кофе, никогда больше", reach=250)],
        now=NOW,
    )

    assert (result.created, result.updated) == (0, 1)
    mention = Mention.objects.get(brand=agency.brand, external_id="a")
    assert mention.text == "Ужасный кофе, никогда больше"
    assert mention.reach == 250
    assert mention.sentiment_label == "negative"
    assert mention.sentiment_score < 0


def test_same_external_id_on_another_platform_or_brand_is_another_mention(agency) -> None:
    mention_ingest(brand=agency.brand, items=[item("a"), item("a", platform="x")], now=NOW)
    mention_ingest(brand=agency.other_brand, items=[item("a")], now=NOW)

    assert Mention.objects.filter(external_id="a").count() == 3


def test_a_repeated_mention_within_a_batch_keeps_the_last_copy(agency) -> None:
    result = mention_ingest(
        brand=agency.brand,
        items=[item("a", text="first"), item("a", text="second version")],
        now=NOW,
    )

    assert (result.created, result.updated) == (1, 0)
    assert result.duplicates == [
        {
            "index": 1,
            "duplicate_of": 0,
            "reason": "Repeats an earlier item with the same platform and external_id; "
            "the last copy is stored.",
        }
    ]
    assert Mention.objects.get(external_id="a").text == "second version"


def test_invalid_items_are_reported_by_index_and_valid_ones_stored(agency) -> None:
    batch = [
        item("ok-1"),
        {"platform": "myspace", "external_id": "2", "text": "x", "posted_at": "2025-03-10"},
        item("3", posted_at="yesterday"),
        "not an object",
        item("ok-2"),
        item("5", text=""),
        item("6", reach=-5),
        item("7", text="x" * 10_001),
        {"platform": "vk", "text": "no id", "posted_at": "2025-03-10T10:00:00Z"},
        item("9", url="javascript:alert(1)"),
    ]

    result = mention_ingest(brand=agency.brand, items=batch, now=NOW)

    assert result.created == 2
    assert result.rejected == [
        {"index": 1, "field": "platform", "reason": StartsWith("Must be one of")},
        {"index": 2, "field": "posted_at", "reason": "Must be an ISO 8601 date-time."},
        {"index": 3, "field": "non_field_errors", "reason": "Must be an object."},
        {"index": 5, "field": "text", "reason": "May not be blank."},
        {"index": 6, "field": "reach", "reason": "Must be a whole number ≥ 0."},
        {"index": 7, "field": "text", "reason": "At most 10000 characters."},
        {"index": 8, "field": "external_id", "reason": "This field is required."},
        {"index": 9, "field": "url", "reason": "Must be an http(s) URL."},
    ]
    assert set(Mention.objects.values_list("external_id", flat=True)) == {"ok-1", "ok-2"}


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"platform": None}, "platform", "This field is required."),
        ({"external_id": "  "}, "external_id", "May not be blank."),
        ({"external_id": True}, "external_id", "Must be a string."),
        ({"external_id": "id\udcff"}, "external_id", "Contains invalid Unicode."),
        ({"text": 42}, "text", "Must be a string."),
        ({"text": "\ud800 lone surrogate"}, "text", "Contains invalid Unicode."),
        ({"posted_at": None}, "posted_at", "This field is required."),
        ({"posted_at": 1710000000}, "posted_at", "Must be an ISO 8601 date-time."),
        ({"posted_at": "2025-03-12T12:00:00Z"}, "posted_at", OUT_OF_WINDOW),
        ({"reach": "12abc"}, "reach", "Must be a whole number ≥ 0."),
        ({"reach": True}, "reach", "Must be a whole number ≥ 0."),
        ({"language": "Russian!"}, "language", "Must be a language code such as ru or en."),
        ({"author": "a" * 201}, "author", "At most 200 characters."),
    ],
)
def test_each_field_is_validated(agency, overrides: dict, field: str, reason: str) -> None:
    result = mention_ingest(brand=agency.brand, items=[{**item("z"), **overrides}], now=NOW)

    assert result.rejected == [{"index": 0, "field": field, "reason": reason}]
    assert not Mention.objects.exists()


def test_numeric_ids_and_naive_times_are_accepted(agency) -> None:
    result = mention_ingest(
        brand=agency.brand,
        items=[item(12345, posted_at="2025-03-10T09:30:00", text="Hello\tthere\r\n", reach="17")],
        now=NOW,
    )

    assert result.rejected == []
    mention = Mention.objects.get()
    assert mention.external_id == "12345"
    assert mention.posted_at == datetime(2025, 3, 10, 9, 30, tzinfo=UTC)  # naive = UTC
    assert mention.text == "Hello\tthere\r\n"  # tab and line breaks are text
    assert mention.reach == 17


def test_positions_name_the_callers_indexes(agency) -> None:
    result = mention_ingest(
        brand=agency.brand, items=[item("a"), item("b", text="")], now=NOW, positions=[17, 18]
    )

    assert result.rejected == [{"index": 18, "field": "text", "reason": "May not be blank."}]


def test_sentiment_and_language_are_scored_on_ingest(agency) -> None:
    mention_ingest(
        brand=agency.brand,
        items=[
            item("ru", text="Ужасный сервис, больше никогда не приду"),
            item("en", text="Absolutely love this coffee, great job!"),
            item("given", text="Some text", language="de"),
        ],
        now=NOW,
    )

    stored = {m.external_id: m for m in Mention.objects.all()}
    assert (stored["ru"].language, stored["ru"].sentiment_label) == ("ru", "negative")
    assert (stored["en"].language, stored["en"].sentiment_label) == ("en", "positive")
    assert stored["given"].language == "de"  # a given language is kept
    assert -1 <= stored["ru"].sentiment_score < 0 < stored["en"].sentiment_score <= 1


def test_counters_count_new_mentions_once_per_minute(agency) -> None:
    batch = [
        item("1", posted_at="2025-03-10T11:58:05Z", text="Ужасно, отвратительный кофе"),
        item("2", posted_at="2025-03-10T11:58:55Z", text="Спасибо, очень вкусно"),
        item("3", posted_at="2025-03-10T11:59:10Z", text="Ужасно, отвратительный сервис"),
    ]

    mention_ingest(brand=agency.brand, items=batch, now=NOW)
    mention_ingest(brand=agency.brand, items=batch, now=NOW)  # updates: not counted again

    buckets = {
        b.bucket_start.strftime("%H:%M"): (b.total, b.negative)
        for b in MentionBucket.objects.filter(brand=agency.brand)
    }
    assert buckets == {"11:58": (2, 1), "11:59": (1, 1)}


def test_a_keyword_flags_the_mention(agency) -> None:
    MonitoringRuleFactory(brand=agency.brand, keywords=["отравление", "lawsuit"], min_negative=None)

    mention_ingest(
        brand=agency.brand,
        items=[
            item("1", text="После дегустации — ОТРАВЛЕНИЯ у гостей"),
            item("2", text="Preparing a lawsuit against them"),
            item("3", text="Lawsuits everywhere"),  # whole words only for Latin keywords
            item("4", text="Вкусный кофе"),
        ],
        now=NOW,
    )

    flagged = dict(Mention.objects.values_list("external_id", "matched_keywords"))
    assert flagged == {"1": ["отравление"], "2": ["lawsuit"], "3": [], "4": []}
    assert set(Mention.objects.filter(flagged=True).values_list("external_id", flat=True)) == {
        "1",
        "2",
    }


def test_an_empty_batch_does_nothing(agency, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        result = mention_ingest(brand=agency.brand, items=[], now=NOW)
    assert (result.created, result.updated, result.rejected) == (0, 0, [])


def test_old_posts_are_stored_but_the_future_is_bounded(agency) -> None:
    result = mention_ingest(
        brand=agency.brand,
        items=[
            item("old", posted_at="2019-01-01T00:00:00+03:00"),
            item("soon", posted_at=(NOW + timedelta(minutes=5)).isoformat()),
            item("later", posted_at=(NOW + timedelta(minutes=5, seconds=1)).isoformat()),
        ],
        now=NOW,
    )

    assert result.created == 2
    assert result.rejected == [{"index": 2, "field": "posted_at", "reason": OUT_OF_WINDOW}]
    assert Mention.objects.get(external_id="old").posted_at == datetime(
        2018, 12, 31, 21, 0, tzinfo=UTC
    )
