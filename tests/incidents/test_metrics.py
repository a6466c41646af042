"""Response times (incidents.metrics): one grouped aggregate behind the API, the analytics
overview, the dashboard trend and the post-mortem prefill, with the same figures as the
Python computation that each of them used to make on its own."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from django.db.models import F

from incidents.analytics.selectors import analytics_overview
from incidents.analytics.views import _month_starts
from incidents.metrics import (
    METRICS,
    incident_response_times,
    response_times,
    response_times_by,
    stats_of_durations,
)
from incidents.models import Incident
from incidents.selectors import response_time_metrics, response_time_metrics_by_month
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
APRIL = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)
MAY = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
FIELDS = ("severity", "detected_at", *(m.field for m in METRICS))


def make(agency, at, *, tta=None, ttfr=None, ttr=None, severity="sev1", brand=None, drill=False):
    def after(seconds):
        return at + timedelta(seconds=seconds) if seconds is not None else None

    return IncidentFactory(
        brand=brand or agency.brand,
        severity=severity,
        is_drill=drill,
        detected_at=at,
        acknowledged_at=after(tta),
        first_response_at=after(ttfr),
        resolved_at=after(ttr),
    )


@pytest.fixture
def data_set(agency, outsider) -> None:
    """A fixed data set: two months, three severities, odd seconds, a drill, an outsider."""
    make(agency, MARCH, tta=301.25, ttfr=1800, ttr=36000)
    make(agency, MARCH + timedelta(days=3), tta=917, ttfr=4000.5)
    make(agency, MARCH + timedelta(days=9), tta=61, severity="sev3", brand=agency.other_brand)
    make(agency, MARCH + timedelta(days=20), tta=2400, ttfr=2401, ttr=90000, severity="sev2")
    make(agency, APRIL, tta=45, ttfr=3000, ttr=7200)
    make(agency, APRIL + timedelta(days=1), tta=7300, severity="sev3")
    make(agency, APRIL + timedelta(days=2))  # nothing reached yet
    make(agency, APRIL, tta=1, ttfr=1, ttr=1, drill=True)  # drills never count
    make(outsider, MARCH, tta=5, ttfr=5, ttr=5)  # another agency's


def assert_same(got: dict, want: dict) -> None:
    """The same figures: counts equal, durations and shares equal to rounding."""
    assert got.keys() == want.keys()
    for name in want:
        assert got[name].keys() == want[name].keys()
        for key, value in want[name].items():
            if value is None or isinstance(value, int):
                assert got[name][key] == value, (name, key)
            else:
                assert got[name][key] == pytest.approx(value, rel=1e-12), (name, key)


def _python_figures(qs, organisation):
    """What the selectors computed before: durations in Python, per incident."""
    return stats_of_durations(((None, *row) for row in qs.values_list(*FIELDS)), organisation)[None]


def test_the_api_figures_are_the_hand_computed_ones(agency, data_set) -> None:
    viewer = agency.member("viewer")

    figures = response_time_metrics(membership=viewer)

    # TTA seconds 45, 61, 301.25, 917, 2400, 7300: median (301.25 + 917) / 2.
    assert figures["tta"]["count"] == 6
    assert figures["tta"]["median_seconds"] == pytest.approx(609.125)
    # p90 (inclusive): position 0.9 * 5 = 4.5 → 2400 + 0.5 * (7300 - 2400).
    assert figures["tta"]["p90_seconds"] == pytest.approx(4850.0)
    # Within target: 301.25 (sev1, 900 s), 45 (sev1), 61 (sev3, 7200 s); not 917, 2400 (sev2,
    # 1800 s), 7300 (sev3).
    assert figures["tta"]["within_sla_share"] == pytest.approx(3 / 6)
    assert figures["ttfr"]["count"] == 4
    assert figures["ttr"]["count"] == 3
    assert figures["ttr"]["median_seconds"] == pytest.approx(36000.0)


def test_the_aggregate_gives_the_python_figures(agency, data_set) -> None:
    viewer = agency.member("viewer")
    qs = Incident.objects.visible_to(viewer).filter(is_drill=False)

    assert_same(response_times(qs, agency.org), _python_figures(qs, agency.org))


def test_per_group_figures_are_those_of_each_group_alone(agency, data_set) -> None:
    viewer = agency.member("viewer")
    qs = Incident.objects.visible_to(viewer).filter(is_drill=False)

    by_brand = response_times_by(qs, agency.org, group=F("brand_id"))

    assert set(by_brand) == {agency.brand.id, agency.other_brand.id}
    for brand_id, figures in by_brand.items():
        assert_same(figures, _python_figures(qs.filter(brand_id=brand_id), agency.org))


def test_the_dashboard_trend_matches_a_query_per_month(agency, data_set) -> None:
    viewer = agency.member("viewer")
    bounds = _month_starts(datetime(2026, 4, 15, 12, 0, tzinfo=UTC), 3)  # as the dashboard

    trend = response_time_metrics_by_month(membership=viewer, bounds=bounds, severity="sev1")

    expected = [
        response_time_metrics(membership=viewer, date_from=start, date_to=end, severity="sev1")
        for start, end in pairwise(bounds)
    ]
    assert len(trend) == 3
    for got, want in zip(trend, expected, strict=True):
        assert_same(got, want)
    assert trend[0]["tta"]["count"] == 0  # February: no incident
    assert trend[1]["tta"]["count"] == 2


def test_the_trend_is_one_aggregate(agency, data_set, django_assert_num_queries) -> None:
    viewer = agency.member("viewer")
    _ = viewer.organisation
    bounds = [datetime(2026, m, 1, tzinfo=UTC) for m in (3, 4, 5)]

    # The member's brand limits (visible_to), then the one grouped aggregate for every month.
    with django_assert_num_queries(2):
        response_time_metrics_by_month(membership=viewer, bounds=bounds)


def test_the_analytics_months_match_the_api_per_month(agency, data_set) -> None:
    viewer = agency.member("viewer")

    months = analytics_overview(membership=viewer)["response_times_by_month"]

    assert [m["month"] for m in months] == ["2026-03", "2026-04"]
    march = response_time_metrics(membership=viewer, date_to=datetime(2026, 4, 1, tzinfo=UTC))
    for m in METRICS:
        got = dict(months[0][m.name])
        assert got.pop("target_seconds_sev1") == agency.org.sla_minutes("sev1", m.clock) * 60
        assert_same({m.name: got}, {m.name: march[m.name]})


def test_an_incidents_own_figures(agency) -> None:
    incident = make(agency, MAY, tta=600, ttfr=7200)

    figures = incident_response_times(incident)

    assert figures == {
        "tta": {"seconds": 600.0, "target_seconds": 900, "within_sla": True},
        "ttfr": {"seconds": 7200.0, "target_seconds": 3600, "within_sla": False},
        "ttr": {"seconds": None, "target_seconds": 1440 * 60, "within_sla": None},
    }


def test_nothing_of_another_agency_counts(agency, outsider) -> None:
    make(outsider, MARCH, tta=5)

    figures = response_time_metrics(membership=agency.member("viewer"))

    assert figures["tta"] == {
        "count": 0,
        "median_seconds": None,
        "p90_seconds": None,
        "within_sla_share": None,
    }
