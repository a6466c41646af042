"""The public statement page follows itself (issue 20): its live.json, polled by
static/js/statement.js, answers what the page shows and nothing more, with the page's
validators (a 304 while nothing changed), throttled and withdrawn with the page."""

import pytest
from django.test import Client

from incidents.models import Status
from incidents.services import incident_add_note
from tests.factories import IncidentFactory
from tests.templates.test_statement_page import INTERNAL_TITLE, NOTE, page_url, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(agency):
    agency.brand.languages = ["ru", "en"]
    agency.brand.time_zone = "Europe/Moscow"
    agency.brand.save()
    return IncidentFactory(brand=agency.brand, status=Status.RESPONDING, title=INTERNAL_TITLE)


def test_live_json_carries_the_statements_and_the_status_in_words_only(
    agency, as_role, incident
) -> None:
    incident_add_note(incident=incident, by=agency.member("manager"), text=NOTE)
    statement = publish(agency, incident, "We know about the outage.\nMore soon.")
    path = page_url(as_role, incident)

    response = Client().get(path + "live.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "public" in response["Cache-Control"] and response["ETag"]
    data = response.json()
    assert data["status"] == "responding"
    assert data["status_words"] == "Мы работаем над проблемой."
    assert [s["id"] for s in data["statements"]] == [statement.pk]
    assert data["statements"][0]["body"] == "We know about the outage.\nMore soon."
    moscow = statement.published_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Moscow"))
    assert data["statements"][0]["time"].endswith(moscow.strftime("%H:%M"))
    assert data["statements"][0]["published_at"].endswith("+03:00")
    assert set(data["statements"][0]) == {"id", "published_at", "time", "body"}
    text = response.content.decode()
    for secret in (INTERNAL_TITLE, NOTE, "alpha-responder", "alpha-manager", "brand.test/x"):
        assert secret not in text


def test_live_json_is_304_until_a_statement_is_published(agency, as_role, incident) -> None:
    path = page_url(as_role, incident) + "live.json"
    first = Client().get(path)
    assert first.json()["statements"] == []

    again = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    publish(agency, incident, "News.")
    after = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert after.status_code == 200
    assert [s["body"] for s in after.json()["statements"]] == ["News."]
    # The page's own validator differs from its JSON's (a cache keeps both apart).
    assert Client().get(path.removesuffix("live.json"))["ETag"] != after["ETag"]


def test_live_json_is_refused_to_writes_throttled_and_gone_with_the_page(
    monkeypatch, as_role, incident
) -> None:
    from crisisdesk.core.throttling import PublicPageThrottle

    path = page_url(as_role, incident) + "live.json"
    assert Client().post(path).status_code == 405
    rates = {**PublicPageThrottle.THROTTLE_RATES, "public_page": "2/min"}
    monkeypatch.setattr(PublicPageThrottle, "THROTTLE_RATES", rates)
    assert [Client(REMOTE_ADDR="10.1.1.1").get(path).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    org = incident.organisation.slug
    as_role("manager").delete(f"/api/v1/orgs/{org}/incidents/{incident.pk}/statement-page/")
    assert Client().get(path).status_code == 404
