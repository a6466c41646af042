"""An incident monitoring opens is titled and summarised in its brand's language (the brand's
first language), whatever language the ingest ran in, with the counts' plural forms."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from incidents.models import Incident
from incidents.monitoring.services import mention_ingest
from tests.factories import MonitoringRuleFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 10, 12, 0, 30, tzinfo=UTC)


def negatives(count: int, prefix: str = "n") -> list[dict]:
    return [
        {
            "platform": "vk",
            "external_id": f"{prefix}{i}",
            "text": f"Ужасный кофе, отвратительный сервис #{i}",
            "posted_at": (NOW - timedelta(minutes=1)).isoformat(),
        }
        for i in range(count)
    ]


def spike(brand, min_negative: int) -> None:
    MonitoringRuleFactory(
        brand=brand, name="Всплеск", window_minutes=15, min_negative=min_negative, multiplier=3
    )


def opened(brand, items) -> Incident:
    with translation.override("en"):  # the request's language does not decide
        result = mention_ingest(brand=brand, items=items, now=NOW)
    return Incident.objects.get(pk=result.incidents_opened[0])


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (21, "21 негативное упоминание"),
        (3, "3 негативных упоминания"),
        (5, "5 негативных упоминаний"),
    ],
)
def test_a_russian_brand_s_spike_is_written_in_russian(agency, count, words) -> None:
    agency.brand.languages = ["ru", "en"]
    agency.brand.save()
    spike(agency.brand, min_negative=count)

    incident = opened(agency.brand, negatives(count))

    assert (
        incident.title == f"{agency.brand.name}: всплеск негативных упоминаний ({count} за 15 мин)"
    )
    assert incident.summary.startswith(f"Открыт правилом мониторинга «Всплеск»: {words} за 15 мин")
    assert "Opened" not in incident.summary


def test_an_english_brand_s_spike_is_written_in_english(agency) -> None:
    agency.brand.languages = ["en"]
    agency.brand.save()
    spike(agency.brand, min_negative=1)

    with translation.override("ru"):
        result = mention_ingest(brand=agency.brand, items=negatives(1), now=NOW)
    incident = Incident.objects.get(pk=result.incidents_opened[0])

    assert incident.title == f"{agency.brand.name}: spike of negative mentions (1 in 15 min)"
    assert incident.summary.startswith(
        "Opened by monitoring rule “Всплеск”: 1 negative mention in 15 min"
    )


@pytest.mark.parametrize(
    ("language", "title", "summary"),
    [
        ("en", "“lawsuit” in mentions", "keywords lawsuit, refund."),
        ("ru", "«lawsuit» в упоминаниях", "ключевые слова lawsuit, refund."),
    ],
)
def test_a_keyword_incident_in_the_brand_s_language(agency, language, title, summary) -> None:
    agency.brand.languages = [language]
    agency.brand.save()
    MonitoringRuleFactory(
        brand=agency.brand, name="Legal", keywords=["lawsuit", "refund"], min_negative=None
    )
    post = {
        "platform": "x",
        "external_id": "k1",
        "text": "Filing a lawsuit unless I get a refund",
        "posted_at": (NOW - timedelta(minutes=2)).isoformat(),
    }

    incident = opened(agency.brand, [post])

    assert incident.title == f"{agency.brand.name}: {title}"
    assert incident.summary.endswith(summary)


def test_one_keyword_is_singular(agency) -> None:
    agency.brand.languages = ["ru"]
    agency.brand.save()
    MonitoringRuleFactory(brand=agency.brand, name="Суд", keywords=["суд"], min_negative=None)
    post = {
        "platform": "vk",
        "external_id": "k2",
        "text": "Подаём в суд",
        "posted_at": (NOW - timedelta(minutes=2)).isoformat(),
    }

    incident = opened(agency.brand, [post])

    assert incident.summary == "Открыт правилом мониторинга «Суд»: ключевое слово суд."
