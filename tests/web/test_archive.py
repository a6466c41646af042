"""The incident archive: every incident the member may see, open or not, searched and filtered
with the API's filters, paged; the board leads to it for resolved and closed incidents."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def _closed(agency, **fields) -> Incident:
    now = timezone.now()
    return IncidentFactory(
        brand=fields.pop("brand", agency.brand),
        status=fields.pop("status", "closed"),
        resolved_at=now,
        closed_at=now,
        **fields,
    )


def test_the_boards_status_filter_offers_resolved_and_closed(browser_as, agency) -> None:
    body = browser_as("viewer").get("/o/alpha/incidents/").content.decode()
    assert 'name="status" value="resolved"' in body
    assert 'name="status" value="closed"' in body
    assert 'href="/o/alpha/incidents/archive/"' in body


def test_the_board_asked_for_closed_incidents_leads_to_the_archive(browser_as, agency) -> None:
    closed = _closed(agency, title="Last spring recall")
    client = browser_as("viewer")
    response = client.get(f"/o/alpha/incidents/?status=closed&brand={agency.brand.pk}")
    assert response.status_code == 302
    assert response["Location"] == (
        f"/o/alpha/incidents/archive/?brand={agency.brand.pk}&status=closed"
    )
    body = client.get(response["Location"]).content.decode()
    assert closed.title in body
    assert f'href="/o/alpha/incidents/{closed.pk}/"' in body


def test_the_archive_filters_by_brand_severity_status_period_drill_and_words(
    browser_as, agency
) -> None:
    now = timezone.now()
    old = _closed(agency, title="Old delivery row", detected_at=now - timedelta(days=40))
    other_brand = _closed(agency, title="Other brand row", brand=agency.other_brand)
    drill = _closed(agency, title="Tabletop drill", is_drill=True, severity="sev1")
    resolved = _closed(agency, title="Resolved row", status="resolved", summary="courier strike")
    open_one = IncidentFactory(brand=agency.brand, title="Still open row")
    client = browser_as("viewer")

    def titles(query: str) -> set[str]:
        body = client.get(f"/o/alpha/incidents/archive/?{query}").content.decode()
        every = (old, other_brand, drill, resolved, open_one)
        return {i.title for i in every if f">{i.title}</a>" in body}

    assert titles("") == {
        "Old delivery row",
        "Other brand row",
        "Tabletop drill",
        "Resolved row",
        "Still open row",
    }
    assert titles(f"brand={agency.other_brand.pk}") == {"Other brand row"}
    assert titles("severity=sev1") == {"Tabletop drill"}
    assert titles("status=resolved") == {"Resolved row"}
    assert titles("status=resolved&status=detected") == {"Resolved row", "Still open row"}
    since = (now - timedelta(days=1)).date().isoformat()
    assert "Old delivery row" not in titles(f"detected_from={since}")
    until = (now - timedelta(days=30)).date().isoformat()
    assert titles(f"detected_to={until}") == {"Old delivery row"}
    assert titles("is_drill=true") == {"Tabletop drill"}
    assert "Tabletop drill" not in titles("is_drill=false")
    assert titles("q=COURIER") == {"Resolved row"}  # the summary's words count too
    assert titles("q=delivery") == {"Old delivery row"}


def test_a_wrong_date_is_shown_beside_its_field_and_ignored(browser_as, agency) -> None:
    _closed(agency, title="Any row")
    response = browser_as("viewer").get("/o/alpha/incidents/archive/?detected_from=yesterday")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="archive_detected_from_error"' in body
    assert "Any row" in body


def test_the_archive_is_paged_in_a_constant_number_of_queries(
    browser_as, agency, django_assert_max_num_queries
) -> None:
    client = browser_as("viewer")
    for n in range(3):
        _closed(agency, title=f"Few {n}").teams.add(agency.team)
    client.get("/o/alpha/incidents/archive/")  # session, language: warm
    with django_assert_max_num_queries(15) as few:
        client.get("/o/alpha/incidents/archive/?q=Few")
    baseline = len(few)
    for n in range(60):
        _closed(agency, title=f"Many {n}").teams.add(agency.team)
    with django_assert_max_num_queries(baseline):
        response = client.get("/o/alpha/incidents/archive/?q=Many")
    body = response.content.decode()
    assert body.count('class="board__row"') == 25
    assert "Page 1 of 3" in body
    assert "Many 59</a>" in body and "Many 34</a>" not in body
    second = client.get("/o/alpha/incidents/archive/?q=Many&page=2").content.decode()
    assert "Many 34</a>" in second and "Many 59</a>" not in second
    assert 'href="?q=Many&amp;page=1"' in second and 'href="?q=Many&amp;page=3"' in second


def test_the_archive_shows_only_the_members_organisation(browser_as, agency, outsider) -> None:
    _closed(outsider, title="Omega closed crisis")
    mine = _closed(agency, title="Alpha closed crisis")
    body = browser_as("viewer").get("/o/alpha/incidents/archive/").content.decode()
    assert mine.title in body and "Omega closed crisis" not in body
    # A brand of another agency is not a valid choice: the filter is refused, nothing leaks.
    body = (
        browser_as("viewer")
        .get(f"/o/alpha/incidents/archive/?brand={outsider.brand.pk}")
        .content.decode()
    )
    assert "Omega closed crisis" not in body


def test_the_archive_counts_in_russian_plurals(browser_as, agency) -> None:
    client = browser_as("viewer")
    client.cookies["django_language"] = "ru"
    _closed(agency)
    body = client.get("/o/alpha/incidents/archive/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Архив инцидентов" in body and "1 инцидент " in body
    _closed(agency)
    body = client.get("/o/alpha/incidents/archive/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "2 инцидента" in body
