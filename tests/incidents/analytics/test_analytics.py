"""The analytics overview against hand-computed figures, and its query count."""

from datetime import UTC, date, datetime, timedelta

import pytest

from incidents.monitoring.models import Mention
from incidents.postmortems.models import ActionItem, PostMortem
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

JAN = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
FEB = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)


def make(agency, at, *, brand=None, severity="sev1", tta=None, crisis_type="", drill=False):
    return IncidentFactory(
        brand=brand or agency.brand,
        severity=severity,
        crisis_type=crisis_type,
        is_drill=drill,
        detected_at=at,
        acknowledged_at=at + timedelta(minutes=tta) if tta is not None else None,
    )


def overview(client, **params):
    response = client.get("/api/v1/orgs/alpha/analytics/overview/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_figures_against_hand_computed_ones(as_role, agency) -> None:
    # January: TTA 10 and 20 min (sev1 target 15 min) → median 15 min, p90 19 min, half within.
    a = make(agency, JAN, tta=10, crisis_type="product_quality")
    make(agency, JAN + timedelta(days=1), tta=20, crisis_type="product_quality")
    make(agency, FEB, tta=5, brand=agency.other_brand, severity="sev3", crisis_type="ad_backlash")
    make(agency, FEB, tta=1, drill=True)  # drills excluded unless asked
    postmortem = PostMortem.objects.create(organisation=agency.org, incident=a)
    ActionItem.objects.create(
        organisation=agency.org, postmortem=postmortem, title="o", due_date=date(2026, 1, 1)
    )
    ActionItem.objects.create(
        organisation=agency.org, postmortem=postmortem, title="d", status="done"
    )
    for n, label in enumerate(["negative", "negative", "positive"]):
        Mention.objects.create(
            organisation=agency.org,
            brand=agency.brand,
            platform="vk",
            external_id=str(n),
            text="t",
            posted_at=JAN,
            sentiment_label=label,
            sentiment_score={"negative": -0.5, "positive": 0.7}[label],
        )
    body = overview(as_role("viewer"))
    incidents = body["incidents"]
    assert incidents["total"] == 3
    assert incidents["by_brand"] == [
        {"brand_id": agency.brand.id, "brand": "alpha brand", "count": 2},
        {"brand_id": agency.other_brand.id, "brand": "alpha second brand", "count": 1},
    ]
    assert incidents["by_severity"] == [
        {"severity": "sev1", "count": 2},
        {"severity": "sev3", "count": 1},
    ]
    assert incidents["by_crisis_type"][0] == {"crisis_type": "product_quality", "count": 2}
    assert incidents["by_month"] == [
        {"month": "2026-01", "count": 2},
        {"month": "2026-02", "count": 1},
    ]
    assert incidents["recurring_crisis_types"] == [
        {"brand": "alpha brand", "crisis_type": "product_quality", "count": 2}
    ]
    january, february = body["response_times_by_month"]
    assert january["month"] == "2026-01"
    assert january["tta"]["count"] == 2
    assert january["tta"]["median_seconds"] == pytest.approx(900.0)
    assert january["tta"]["p90_seconds"] == pytest.approx(1140.0)
    assert january["tta"]["within_sla_share"] == pytest.approx(0.5)
    assert february["tta"]["within_sla_share"] == pytest.approx(1.0)  # sev3: 120 min target
    assert january["ttr"]["count"] == 0
    assert body["action_items"] == {"open": 1, "done": 1, "dropped": 0, "overdue": 1}
    assert body["mentions_by_day"] == [
        {
            "day": "2026-01-10",
            "brand": "alpha brand",
            "total": 3,
            "negative": 2,
            "positive": 1,
            "mean_sentiment": pytest.approx(-0.1),
        }
    ]
    assert overview(as_role("viewer"), drills="true")["incidents"]["total"] == 4
    assert overview(as_role("viewer"), brand=agency.other_brand.id)["incidents"]["total"] == 1
    assert (
        overview(as_role("viewer"), **{"from": "2026-02-01T00:00:00Z"})["incidents"]["total"] == 1
    )


def test_nothing_of_another_agency_counts(as_role, agency, outsider) -> None:
    make(outsider, JAN, tta=3)
    body = overview(as_role("viewer"))
    assert body["incidents"]["total"] == 0
    assert body["response_times_by_month"] == []


def test_bad_parameters_name_the_field(as_role) -> None:
    response = as_role("viewer").get("/api/v1/orgs/alpha/analytics/overview/", {"from": "soon"})
    assert response.status_code == 400
    assert "from" in response.json()["errors"]


@pytest.mark.parametrize("count", [10, 200])
def test_query_count_does_not_grow_with_incidents(
    as_role, agency, django_assert_max_num_queries, count
) -> None:
    IncidentFactory.create_batch(
        count, brand=agency.brand, detected_at=JAN, acknowledged_at=JAN + timedelta(minutes=3)
    )
    client = as_role("viewer")
    with django_assert_max_num_queries(14):
        body = overview(client)
    assert body["incidents"]["total"] == count
