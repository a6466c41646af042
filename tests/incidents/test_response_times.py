"""Response-time metrics against figures computed by hand."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def incident(
    agency, *, tta=None, ttfr=None, ttr=None, severity="sev1", brand=None, drill=False, day=0
):
    detected = T0 + timedelta(days=day)
    return IncidentFactory(
        brand=brand or agency.brand,
        severity=severity,
        is_drill=drill,
        status="resolved" if ttr else "acknowledged",
        detected_at=detected,
        acknowledged_at=detected + timedelta(minutes=tta) if tta is not None else None,
        first_response_at=detected + timedelta(minutes=ttfr) if ttfr is not None else None,
        resolved_at=detected + timedelta(minutes=ttr) if ttr is not None else None,
    )


def test_median_p90_and_share_within_sla(as_role, agency) -> None:
    # sev1 targets: acknowledge 15 min, first response 60 min, resolve 24 h.
    incident(agency, tta=5, ttfr=30, ttr=600)
    incident(agency, tta=10, ttfr=90, ttr=1200)
    incident(agency, tta=20, ttfr=45)
    incident(agency, tta=40)
    incident(agency, tta=1, ttfr=1, ttr=1, drill=True)  # drills never count
    body = as_role("viewer").get("/api/v1/orgs/alpha/metrics/response-times/").json()
    # TTA minutes 5, 10, 20, 40: median 15 min; p90 (inclusive) = 20 + 0.7*(40-20) = 34 min.
    assert body["tta"] == {
        "count": 4,
        "median_seconds": 900.0,
        "p90_seconds": 2040.0,
        "within_sla_share": 0.5,
    }
    # TTFR 30, 45, 90: median 45; p90 = 45 + 0.8*(90-45) = 81 min; 2 of 3 within 60.
    assert body["ttfr"]["count"] == 3
    assert body["ttfr"]["median_seconds"] == 2700.0
    assert body["ttfr"]["p90_seconds"] == pytest.approx(4860.0)
    assert body["ttfr"]["within_sla_share"] == pytest.approx(2 / 3)
    # TTR 600, 1200: median 900 min; p90 = 600 + 0.9*600 = 1140 min; both within 1440.
    assert body["ttr"] == {
        "count": 2,
        "median_seconds": 54000.0,
        "p90_seconds": 68400.0,
        "within_sla_share": 1.0,
    }


def test_filters_by_period_brand_and_severity(as_role, agency) -> None:
    incident(agency, tta=5, day=0)
    incident(agency, tta=50, day=10, severity="sev3")  # sev3 acknowledge target: 120 min
    incident(agency, tta=7, day=10, brand=agency.other_brand)
    client = as_role("viewer")
    url = "/api/v1/orgs/alpha/metrics/response-times/"
    assert client.get(url, {"from": "2026-03-05T00:00:00Z"}).json()["tta"]["count"] == 2
    assert client.get(url, {"to": "2026-03-05T00:00:00Z"}).json()["tta"]["median_seconds"] == 300.0
    assert (
        client.get(url, {"brand": agency.other_brand.id}).json()["tta"]["median_seconds"] == 420.0
    )
    sev3 = client.get(url, {"severity": "sev3"}).json()["tta"]
    assert sev3 == {
        "count": 1,
        "median_seconds": 3000.0,
        "p90_seconds": 3000.0,
        "within_sla_share": 1.0,
    }


def test_empty_and_bad_input(as_role) -> None:
    client = as_role("viewer")
    url = "/api/v1/orgs/alpha/metrics/response-times/"
    assert client.get(url).json()["tta"] == {
        "count": 0,
        "median_seconds": None,
        "p90_seconds": None,
        "within_sla_share": None,
    }
    response = client.get(url, {"from": "yesterday", "severity": "sev7"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"from", "severity"}


def test_other_agencies_incidents_never_count(as_role, agency, outsider) -> None:
    incident(outsider, tta=1)
    assert (
        as_role("viewer").get("/api/v1/orgs/alpha/metrics/response-times/").json()["tta"]["count"]
        == 0
    )
