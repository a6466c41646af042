"""Every page renders for every role; the actions a role may not take are neither shown nor
accepted (403 page, nothing changed)."""

import pytest
from django.urls import reverse

from incidents.models import IncidentEvent, Status

pytestmark = pytest.mark.django_db

ROLES = ["owner", "manager", "responder", "viewer"]


def _pages(agency, incident) -> list[str]:
    slug = "alpha"
    return [
        reverse("web:dashboard", args=[slug]),
        reverse("web:board", args=[slug]),
        reverse("web:board", args=[slug])
        + f"?brand={agency.brand.id}&severity=sev2&status=detected",
        reverse("web:incident", args=[slug, incident.pk]),
        reverse("web:incident-row", args=[slug, incident.pk]),
        reverse("web:incident-header", args=[slug, incident.pk]),
        reverse("web:incident-timeline", args=[slug, incident.pk]) + "?since=0",
        reverse("web:brands", args=[slug]),
        reverse("web:brand", args=[slug, agency.brand.pk]),
        reverse("web:teams", args=[slug]),
        reverse("web:team", args=[slug, agency.team.pk]),
        reverse("web:members", args=[slug]),
        reverse("web:member", args=[slug, agency.member("viewer").pk]),
        reverse("web:playbooks", args=[slug]),
        reverse("web:templates", args=[slug]),
        reverse("web:organisations"),
        reverse("web:profile"),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role(browser_as, agency, incident, role) -> None:
    client = browser_as(role)
    for url in _pages(agency, incident):
        response = client.get(url)
        assert response.status_code == 200, (role, url)


def test_the_home_page_goes_to_the_only_organisation_or_signs_in(browser_as, client) -> None:
    assert client.get("/").headers["Location"] == "/login/"
    assert browser_as("viewer").get("/").headers["Location"] == "/o/alpha/"


def test_pages_set_the_language_and_load_no_inline_script(browser_as, incident) -> None:
    body = browser_as("responder").get(f"/o/alpha/incidents/{incident.pk}/").content.decode()
    assert '<html lang="en">' in body
    assert "<script>" not in body and "onclick=" not in body and "hx-on" not in body
    assert 'src="/static/js/live.js"' in body
    assert 'data-ws-url="/ws/v1/orgs/alpha/"' in body


def test_viewers_see_no_actions_and_cannot_post_them(browser_as, incident) -> None:
    client = browser_as("viewer")
    room = client.get(f"/o/alpha/incidents/{incident.pk}/").content.decode()
    assert 'data-action="acknowledge"' not in room
    assert 'name="text"' not in room  # no note form
    assert "Open an incident" not in client.get("/o/alpha/incidents/").content.decode()
    for action, data in [
        ("acknowledge", {}),
        ("status", {"status": "resolved"}),
        ("severity", {"severity": "sev1"}),
        ("notes", {"text": "hi"}),
    ]:
        response = client.post(f"/o/alpha/incidents/{incident.pk}/{action}/", data)
        assert response.status_code == 403, action
        assert 'data-error-page="403"' in response.content.decode()
    incident.refresh_from_db()
    assert (incident.status, incident.severity) == (Status.DETECTED, "sev2")
    assert list(IncidentEvent.objects.values_list("kind", flat=True)) == ["created"]


def test_responders_see_the_actions(browser_as, incident) -> None:
    room = browser_as("responder").get(f"/o/alpha/incidents/{incident.pk}/").content.decode()
    assert 'data-action="acknowledge"' in room
    assert 'name="text"' in room


@pytest.mark.parametrize("role", ["responder", "viewer"])
def test_only_managers_manage_brands_and_teams(browser_as, agency, role) -> None:
    client = browser_as(role)
    assert "Add a brand" not in client.get("/o/alpha/brands/").content.decode()
    brand_page = client.get(f"/o/alpha/brands/{agency.brand.pk}/").content.decode()
    assert "Rotate the secret" not in brand_page
    assert str(agency.brand.ingest_id) not in brand_page
    assert client.post("/o/alpha/brands/", {"name": "X", "languages": ["ru"]}).status_code == 403
    assert client.post(f"/o/alpha/brands/{agency.brand.pk}/rotate-secret/").status_code == 403
    assert client.post("/o/alpha/teams/", {"name": "Night shift"}).status_code == 403
    assert client.post(f"/o/alpha/teams/{agency.team.pk}/delete/").status_code == 403
    agency.brand.refresh_from_db()
    assert agency.org.brands.count() == 2 and agency.org.teams.count() == 1


def test_only_owners_change_members(browser_as, agency) -> None:
    target = agency.member("viewer")
    manager = browser_as("manager")
    assert "Invite someone" not in manager.get("/o/alpha/members/").content.decode()
    url = f"/o/alpha/members/{target.pk}/"
    assert manager.post(url, {"role": "owner"}).status_code == 403
    assert manager.post(url + "remove/").status_code == 403
    assert manager.post("/o/alpha/members/", {"email": "a@b.c", "role": "owner"}).status_code == 403
    target.refresh_from_db()
    assert target.role == "viewer"


def test_the_favicon_is_served_where_a_browser_asks_for_it(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
