"""The incident API writes its JSON from plain rows (`selectors.incident_rows`), not through
DRF's declared fields. These tests hold the two to the same output: the declared fields are
the schema's contract, so they are the oracle."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from incidents.api.serializers import IncidentSerializer
from incidents.models import Incident, Status
from incidents.selectors import incident_list
from tenants.profiles import user_profile_update
from tenants.tokens import api_token_issue
from tests.factories import IncidentFactory, TeamFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs/alpha/incidents/"


def declared_representation(incident: Incident, request: object) -> dict:
    """What DRF's declared fields make of the model instance (the pre-rows path)."""
    serializer = IncidentSerializer(context={"request": request})
    return serializers.ModelSerializer.to_representation(serializer, incident)


@pytest.fixture
def varied_incidents(agency) -> list[Incident]:
    """Every shape a row can take: with and without commander and teams, each milestone set
    or not, breached and met clocks, a closed incident, a drill, custom SLA targets."""
    agency.org.sla_targets = {"sev1": {"acknowledge": 7}}
    agency.org.save(update_fields=["sla_targets"])
    now = timezone.now()
    second_team = TeamFactory(organisation=agency.org, name="Альфа дежурные")
    return [
        IncidentFactory(brand=agency.brand, severity="sev1", detected_at=now - timedelta(hours=3)),
        IncidentFactory(
            brand=agency.other_brand,
            severity="sev2",
            status=Status.RESPONDING,
            commander=agency.member("manager"),
            detected_at=now - timedelta(minutes=10),
            acknowledged_at=now - timedelta(minutes=9, microseconds=123),
            teams=[agency.team, second_team],
            summary="Отзывы о задержках",
        ),
        IncidentFactory(
            brand=agency.brand,
            severity="sev4",
            status=Status.CLOSED,
            is_drill=True,
            detected_at=now - timedelta(days=2),
            acknowledged_at=now - timedelta(days=1),
            first_response_at=now - timedelta(days=1),
            resolved_at=now - timedelta(hours=20),
            closed_at=now - timedelta(hours=19),
            teams=[second_team],
        ),
    ]


def token_client(membership) -> APIClient:
    client = APIClient()
    _, token = api_token_issue(user=membership.user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def session_client(membership) -> APIClient:
    """Signed in through the session, so the user's time zone is active for the request."""
    client = APIClient()
    client.force_login(membership.user)
    return client


@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Moscow", "America/Sao_Paulo"])
def test_list_and_detail_answer_what_the_declared_fields_describe(
    agency, varied_incidents, time_zone, rf
) -> None:
    member = agency.member("manager")
    user_profile_update(user=member.user, time_zone=time_zone)
    client = session_client(member)

    listed = client.get(BASE).json()["results"]
    details = [client.get(f"{BASE}{incident.id}/").json() for incident in varied_incidents]

    request = rf.get(BASE)
    request.organisation = agency.org
    with timezone.override(time_zone):
        expected = {
            incident.id: declared_representation(incident, request)
            for incident in incident_list(membership=member).filter(
                id__in=[i.id for i in varied_incidents]
            )
        }
    for answered in (listed, details):
        assert {row["id"] for row in answered} == set(expected)
        for row in answered:
            for key, value in expected[row["id"]].items():
                assert (row["id"], key, row[key]) == (row["id"], key, value)
    # The same keys in the same order as the schema's fields.
    assert list(listed[0]) == IncidentSerializer.Meta.fields
    if time_zone == "Europe/Moscow":
        assert listed[-1]["detected_at"].endswith("+03:00")
    if time_zone == "UTC":
        assert listed[-1]["detected_at"].endswith("Z")


def test_rows_reflect_the_organisation_sla_targets_and_breaches(agency, varied_incidents) -> None:
    body = token_client(agency.member("manager")).get(BASE).json()["results"]
    by_id = {row["id"]: row for row in body}
    sev1, responding, closed = (by_id[i.id] for i in varied_incidents)
    assert sev1["sla"]["acknowledge"]["target_minutes"] == 7
    assert sev1["sla"]["acknowledge"]["breached"] is True  # open, 3 h past a 7-minute target
    assert responding["sla"]["acknowledge"]["met_at"] is not None
    assert responding["sla"]["acknowledge"]["breached"] is False
    assert [t["name"] for t in responding["teams"]] == ["alpha care", "Альфа дежурные"]
    assert responding["commander"] == {
        "id": agency.member("manager").id,
        "username": "alpha-manager",
    }
    assert closed["allowed_transitions"] == []
    assert sev1["allowed_transitions"] == ["acknowledged"]
    assert closed["sla"]["resolve"]["breached"] is False  # sev4 resolves within a day


def test_detail_ignores_list_filters_and_keeps_the_tenant_boundary(
    agency, outsider, varied_incidents
) -> None:
    client = token_client(agency.member("manager"))
    incident = varied_incidents[0]
    # A list filter on a detail URL does not hide the incident...
    assert client.get(f"{BASE}{incident.id}/?status=closed").status_code == 200
    # ...and another organisation's incident is not found, filters or not.
    theirs = IncidentFactory(brand=outsider.brand)
    assert client.get(f"{BASE}{theirs.id}/").status_code == 404
    assert token_client(outsider.member("owner")).get(f"{BASE}{incident.id}/").status_code == 404
