from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.events import NOTE
from incidents.models import Incident, IncidentEvent, Status
from tests.factories import IncidentFactory, TeamFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs/alpha/incidents/"


def create(client, agency, **extra) -> dict:
    payload = {"brand": agency.brand.id, "title": "Жалобы на доставку", "severity": "sev2", **extra}
    response = client.post(BASE, payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_responder_logs_an_incident(as_role, agency) -> None:
    body = create(
        as_role("responder"), agency, teams=[agency.team.id], summary="Курьеры опаздывают"
    )
    assert body["status"] == "detected"
    assert body["teams"] == [{"id": agency.team.id, "name": "alpha care"}]
    assert body["sla"]["acknowledge"]["target_minutes"] == 30
    assert body["sla"]["acknowledge"]["breached"] is False
    assert body["allowed_transitions"] == ["acknowledged"]
    assert IncidentEvent.objects.filter(incident_id=body["id"], kind="created").count() == 1


def test_viewer_cannot_log_or_work_incidents(as_role, agency) -> None:
    client = as_role("viewer")
    response = client.post(
        BASE, {"brand": agency.brand.id, "title": "x", "severity": "sev2"}, format="json"
    )
    assert response.status_code == 403
    incident = IncidentFactory(brand=agency.brand)
    for action, payload in [
        ("acknowledge", {}),
        ("transition", {"status": "acknowledged"}),
        ("notes", {"text": "x"}),
        ("assign", {"teams": []}),
    ]:
        assert (
            client.post(f"{BASE}{incident.id}/{action}/", payload, format="json").status_code == 403
        )
    assert client.patch(f"{BASE}{incident.id}/", {"title": "y"}, format="json").status_code == 403
    assert client.get(f"{BASE}{incident.id}/").status_code == 200
    assert not IncidentEvent.objects.exists()


def test_invalid_input_names_the_fields(as_role, outsider) -> None:
    response = as_role("responder").post(
        BASE, {"brand": outsider.brand.id, "severity": "sev9"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"brand", "title", "severity"}


def test_a_brand_limited_member_cannot_log_for_another_brand(api, agency) -> None:
    responder = agency.member("responder")
    responder.brands.set([agency.brand])
    response = api(responder.user).post(
        BASE, {"brand": agency.other_brand.id, "title": "x", "severity": "sev2"}, format="json"
    )
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_acknowledge_transition_and_refusal(as_role, agency) -> None:
    client = as_role("responder")
    incident = create(client, agency)
    url = f"{BASE}{incident['id']}/"
    assert client.post(url + "acknowledge/").json()["status"] == "acknowledged"
    refused = client.post(url + "acknowledge/")
    assert refused.status_code == 409
    assert refused.json()["allowed"] == ["responding", "monitoring", "resolved"]
    assert (
        client.post(url + "transition/", {"status": "responding"}, format="json").json()["status"]
        == "responding"
    )
    refused = client.post(url + "transition/", {"status": "detected"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["allowed"] == ["monitoring", "resolved"]
    assert client.post(url + "transition/", {"status": "closed"}, format="json").status_code == 409
    assert client.post(url + "transition/", {"status": "bogus"}, format="json").status_code == 400


def test_patch_severity_and_title(as_role, agency) -> None:
    client = as_role("responder")
    incident = create(client, agency)
    response = client.patch(f"{BASE}{incident['id']}/", {"severity": "sev1"}, format="json")
    assert response.status_code == 200
    assert response.json()["severity"] == "sev1"
    assert response.json()["sla"]["acknowledge"]["target_minutes"] == 15
    assert IncidentEvent.objects.filter(kind="severity_changed").count() == 1


def test_assign_teams_and_commander(as_role, agency, outsider) -> None:
    client = as_role("manager")
    incident = create(client, agency)
    night = TeamFactory(organisation=agency.org, name="night")
    commander = agency.member("manager")
    response = client.post(
        f"{BASE}{incident['id']}/assign/",
        {"teams": [night.id], "commander": commander.id},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["commander"] == {"id": commander.id, "username": "alpha-manager"}
    assert [t["id"] for t in response.json()["teams"]] == [night.id]
    event = IncidentEvent.objects.get(kind="assigned")
    assert event.payload["teams"] == [night.id]
    refused = client.post(
        f"{BASE}{incident['id']}/assign/", {"teams": [outsider.team.id]}, format="json"
    )
    assert refused.status_code == 400
    assert client.post(f"{BASE}{incident['id']}/assign/", {}, format="json").status_code == 400


def test_notes_and_the_events_feed_with_since(as_role, agency) -> None:
    client = as_role("responder")
    incident = create(client, agency)
    url = f"{BASE}{incident['id']}/"
    note = client.post(url + "notes/", {"text": "Проверили факты"}, format="json")
    assert note.status_code == 201
    assert note.json()["kind"] == "note"
    assert client.post(url + "notes/", {"text": "  "}, format="json").status_code == 400
    client.post(url + "acknowledge/")
    events = client.get(url + "events/").json()["results"]
    assert [e["kind"] for e in events] == ["created", "note", "acknowledged"]
    assert events[1]["actor"] == "alpha-responder"
    assert set(events[0]) == {"id", "kind", "actor", "payload", "visibility", "created_at"}
    after = client.get(url + f"events/?since={events[0]['id']}").json()["results"]
    assert [e["kind"] for e in after] == ["note", "acknowledged"]
    refused = client.get(url + "events/?since=abc")
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid" and list(refused.json()["errors"]) == ["since"]


def test_list_filters(as_role, agency) -> None:
    client = as_role("responder")
    responder = agency.member("responder")
    mine = services.incident_create(
        brand=agency.brand,
        title="Delivery delays",
        severity="sev1",
        by=None,
        teams=[agency.team],
    )
    other = services.incident_create(
        brand=agency.other_brand, title="Рекламный скандал", severity="sev3", by=None, teams=[]
    )
    resolved = IncidentFactory(brand=agency.brand, status=Status.RESOLVED, title="Old one")

    def ids(query: str) -> list[int]:
        response = client.get(BASE + query)
        assert response.status_code == 200, response.json()
        return [i["id"] for i in response.json()["results"]]

    assert ids("") == [resolved.id, other.id, mine.id]  # newest first
    assert ids("?status=detected") == [other.id, mine.id]
    assert ids("?severity=sev1") == [mine.id]
    assert ids(f"?brand={agency.other_brand.id}") == [other.id]
    assert ids(f"?team={agency.team.id}") == [mine.id]
    assert ids("?assigned_to_me=true") == [mine.id]
    assert ids("?open=true") == [other.id, mine.id]
    assert ids("?open=false") == [resolved.id]
    assert ids("?q=скандал") == [other.id]
    assert client.get(BASE + "?severity=sev9").status_code == 400
    assert responder  # the responder is in alpha care, the team of `mine`


def test_list_is_cursor_paginated(as_role, agency) -> None:
    for n in range(7):
        IncidentFactory(brand=agency.brand, title=f"n{n}")
    client = as_role("viewer")
    first = client.get(BASE + "?page_size=5").json()
    assert len(first["results"]) == 5
    assert first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2
    assert {i["id"] for i in first["results"]}.isdisjoint({i["id"] for i in second["results"]})


@pytest.mark.parametrize("count", [5, 50])
def test_list_query_count_does_not_grow(
    as_role, agency, django_assert_max_num_queries, count
) -> None:
    teams = [TeamFactory(organisation=agency.org) for _ in range(3)]
    for n in range(count):
        incident = services.incident_create(
            brand=agency.brand, title=f"i{n}", severity="sev2", by=None, teams=teams
        )
        services.event_record(incident=incident, kind=NOTE, actor=None, payload={"text": "x"})
        incident.commander = agency.member("manager")
        incident.save()
    client = as_role("viewer")
    with django_assert_max_num_queries(7):
        response = client.get(BASE + "?page_size=50")
    assert len(response.json()["results"]) == count


def test_sla_breach_is_shown(as_role, agency) -> None:
    incident = IncidentFactory(
        brand=agency.brand, severity="sev1", detected_at=timezone.now() - timedelta(minutes=20)
    )
    sla = as_role("viewer").get(f"{BASE}{incident.id}/").json()["sla"]
    assert sla["acknowledge"]["breached"] is True
    assert sla["first_response"]["breached"] is False


def test_a_brand_limited_member_lists_only_their_brands(api, agency) -> None:
    visible = IncidentFactory(brand=agency.brand)
    IncidentFactory(brand=agency.other_brand)
    viewer = agency.member("viewer")
    viewer.brands.set([agency.brand])
    body = api(viewer.user).get(BASE).json()
    assert [i["id"] for i in body["results"]] == [visible.id]


def test_an_id_beyond_64_bits_is_a_client_error(as_role) -> None:
    client = as_role("viewer")
    response = client.get(BASE + "?brand=3069083106743403151360")
    assert response.status_code in (200, 400)  # never a 500
    assert response.status_code == 400 or response.json()["results"] == []
    assert client.get(BASE + "3069083106743403151360/").status_code == 404


@pytest.mark.parametrize("written", ["number", "string"])
def test_a_fractional_id_is_refused_not_rounded(as_role, agency, written) -> None:
    """{"brand": 1.5} logged an incident on brand 1 (the float was cut to an integer)."""
    fractional = agency.brand.id + 0.5 if written == "number" else f"{agency.brand.id}.5"
    response = as_role("responder").post(
        BASE, {"brand": fractional, "title": "x", "severity": "sev2"}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert "brand" in response.json()["errors"]
    assert not Incident.objects.exists()
