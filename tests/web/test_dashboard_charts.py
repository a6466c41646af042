"""Charts a person reads at a glance (issue 19) and that open the mentions behind them
(issue 16): whole-number ticks for counts, dates on time axes, a time-range picker on the
dashboard (24 h / 7 d / 30 d), empty states that say what is missing, and each bar a link to
the mention browser filtered to its brand, period and sentiment."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from incidents.monitoring.models import MentionBucket
from tests.factories import MentionFactory

pytestmark = pytest.mark.django_db


def _bucket(agency, brand, at, total, negative):
    MentionBucket.objects.create(
        organisation=agency.org,
        brand=brand,
        bucket_start=at.replace(second=0, microsecond=0),
        total=total,
        negative=negative,
    )


def _volume(body: str) -> str:
    return body.split('id="dashboard-volume"')[1].split("</section>")[0]


def test_the_range_picker_draws_hours_or_days(browser_as, agency) -> None:
    _bucket(agency, agency.brand, timezone.now() - timedelta(minutes=5), 3, 1)
    client = browser_as("viewer")
    for period, bars in (("24h", 24), ("7d", 7), ("30d", 30)):
        body = client.get(f"/o/alpha/?range={period}").content.decode()
        volume = _volume(body)
        assert f'aria-current="true" data-range="{period}"' in volume
        # Two brands, one chart each, a bar per hour or day.
        assert volume.count('class="chart__bar"') == 2 * bars, period
    # An unknown range is the default one.
    assert (
        'aria-current="true" data-range="7d"' in client.get("/o/alpha/?range=1y").content.decode()
    )


def test_count_axes_have_whole_numbers_only(browser_as, agency) -> None:
    _bucket(agency, agency.brand, timezone.now() - timedelta(minutes=5), 1, 1)
    body = _volume(browser_as("viewer").get("/o/alpha/?range=24h").content.decode())
    ticks = re.findall(r'class="chart__tick" text-anchor="end"[^>]*>([^<]+)<', body)
    assert ticks and all(t.isdigit() for t in ticks), ticks
    assert "0.5" not in ticks


def test_hourly_bars_carry_the_date_under_the_time(browser_as, agency) -> None:
    _bucket(agency, agency.brand, timezone.now() - timedelta(minutes=5), 2, 0)
    body = _volume(browser_as("viewer").get("/o/alpha/?range=24h").content.decode())
    dates = re.findall(r'class="chart__tick chart__tick--date"[^>]*>([^<]+)<', body)
    assert dates and all(re.fullmatch(r"\d{1,2} \w+\.?", d.strip()) for d in dates), dates


def test_a_bar_opens_the_mentions_of_its_brand_period_and_sentiment(browser_as, agency) -> None:
    # The hour that began at least three minutes ago, so that its first two minutes are past
    # even when the test runs in the first minute of an hour.
    hour = timezone.localtime(timezone.now() - timedelta(minutes=3)).replace(
        minute=0, second=0, microsecond=0
    )
    inside = MentionFactory(
        brand=agency.brand, posted_at=hour + timedelta(minutes=1), sentiment_label="negative"
    )
    MentionFactory(brand=agency.brand, posted_at=hour + timedelta(minutes=2))  # neutral
    MentionFactory(
        brand=agency.brand, posted_at=hour - timedelta(minutes=1), sentiment_label="negative"
    )  # the hour before
    MentionFactory(
        brand=agency.other_brand, posted_at=hour + timedelta(minutes=1), sentiment_label="negative"
    )  # another brand
    _bucket(agency, agency.brand, hour + timedelta(minutes=1), 2, 1)
    client = browser_as("viewer")
    body = _volume(client.get("/o/alpha/?range=24h").content.decode())
    links = re.findall(r'<a href="([^"]+)" class="chart__link" data-bar="negative"', body)
    assert links, "the negative part of the busy bar is a link"
    url = links[-1].replace("&amp;", "&")
    query = parse_qs(urlsplit(url).query)
    assert query["brand"] == [str(agency.brand.id)] and query["sentiment"] == ["negative"]
    page = client.get(url).content.decode()
    assert f'id="mention-{inside.id}"' in page
    assert page.count('class="mention mention--') == 1


def test_the_empty_dashboard_says_what_is_missing(browser_as, agency) -> None:
    body = browser_as("viewer").get("/o/alpha/").content.decode()
    assert "data-volume-empty" in body and "No mention of your brands in this period" in body
    assert 'class="chart__bar"' not in _volume(body)
    assert "data-trend-empty" in body


def test_the_empty_states_read_in_russian(browser_as, agency) -> None:
    client = browser_as("viewer")
    client.post("/language/", {"language": "ru", "next": "/o/alpha/"})
    body = client.get("/o/alpha/").content.decode()
    assert "За этот период упоминаний ваших брендов нет" in body
    assert "24 часа" in body and "30 дней" in body


def test_the_incident_chart_bars_open_the_mentions_of_the_incident_brand(
    browser_as, agency, incident
) -> None:
    _bucket(agency, agency.brand, timezone.now() - timedelta(minutes=3), 4, 2)
    body = browser_as("viewer").get(f"/o/alpha/incidents/{incident.pk}/").content.decode()
    section = body.split('id="section-mentions"')[1].split("</section>")[0]
    links = re.findall(r'<a href="([^"]+)" class="chart__link" data-bar="total"', section)
    assert links
    assert all(f"brand={agency.brand.id}" in link for link in links)
    assert "chart__baseline" not in section  # no week before: no baseline to draw
