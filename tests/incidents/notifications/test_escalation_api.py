"""The API of rotas, escalation policies and a member's channels: managers write, members read,
other agencies get 404, lists in a constant number of queries."""

import pytest

from incidents.notifications.models import DutyRota, EscalationPolicy
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


def base(org) -> str:
    return f"/api/v1/orgs/{org.slug}/"


def rota_body(agency, team=None) -> dict:
    return {
        "team": (team or agency.team).id,
        "rotation": "custom",
        "shift_hours": 12,
        "time_zone": "Europe/Moscow",
        "starts_at": "2026-12-01T09:00:00+03:00",
        "member_ids": [agency.member("responder").id, agency.member("viewer").id],
    }


def test_a_manager_sets_a_rota_and_everyone_sees_who_is_on_duty(agency, as_role):
    response = as_role("manager").post(
        base(agency.org) + "rotas/", rota_body(agency), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["on_duty"] in rota_body(agency)["member_ids"]

    rota_id = response.json()["id"]
    override = as_role("manager").post(
        base(agency.org) + f"rotas/{rota_id}/overrides/",
        {
            "membership": agency.member("manager").id,
            "starts_at": "2026-01-01T00:00:00Z",
            "ends_at": "2099-01-01T00:00:00Z",
        },
        format="json",
    )
    assert override.status_code == 201
    assert override.json()["on_duty"] == agency.member("manager").id
    assert as_role("viewer").get(base(agency.org) + "rotas/").json()["results"][0]["id"] == rota_id


def test_rota_refusals(agency, outsider, as_role, api):
    assert (
        as_role("responder")
        .post(base(agency.org) + "rotas/", rota_body(agency), format="json")
        .status_code
        == 403
    )
    stranger = dict(rota_body(agency), member_ids=[agency.member("owner").id])  # not in the team
    assert (
        as_role("manager").post(base(agency.org) + "rotas/", stranger, format="json").status_code
        == 400
    )
    theirs = dict(rota_body(agency), team=outsider.team.id)
    assert (
        as_role("manager").post(base(agency.org) + "rotas/", theirs, format="json").status_code
        == 400
    )
    assert not DutyRota.objects.exists()

    rota_id = (
        as_role("manager")
        .post(base(agency.org) + "rotas/", rota_body(agency), format="json")
        .json()["id"]
    )
    outsider_client = api(outsider.member("owner").user)
    assert outsider_client.get(base(agency.org) + f"rotas/{rota_id}/").status_code == 404
    assert outsider_client.get(base(outsider.org) + f"rotas/{rota_id}/").status_code == 404


def test_a_manager_writes_a_policy_with_its_levels(agency, as_role):
    body = {
        "name": "Evenings",
        "brand": agency.brand.id,
        "severity": "sev3",
        "repeat": 2,
        "quiet_start": "22:00",
        "quiet_end": "08:00",
        "time_zone": "Europe/Moscow",
        "levels": [
            {"target": "on_duty", "delay_minutes": 0},
            {"target": "team", "delay_minutes": 15},
            {"target": "owners", "delay_minutes": 30},
        ],
    }
    response = as_role("manager").post(
        base(agency.org) + "escalation-policies/", body, format="json"
    )
    assert response.status_code == 201, response.content
    assert [level["target"] for level in response.json()["levels"]] == ["on_duty", "team", "owners"]

    again = as_role("manager").post(base(agency.org) + "escalation-policies/", body, format="json")
    assert again.status_code == 400  # one policy per scope
    assert (
        as_role("responder")
        .post(base(agency.org) + "escalation-policies/", dict(body, severity="sev4"), format="json")
        .status_code
        == 403
    )
    assert EscalationPolicy.objects.count() == 1


def test_the_policy_list_takes_a_constant_number_of_queries(
    agency, as_role, django_assert_max_num_queries
):
    client = as_role("viewer")
    for severity in ("sev1", "sev2", "sev3", "sev4"):
        as_role("manager").post(
            base(agency.org) + "escalation-policies/",
            {
                "name": severity,
                "severity": severity,
                "levels": [{"target": "owners", "delay_minutes": 0}],
            },
            format="json",
        )
    for i in range(3):
        team = TeamFactory(organisation=agency.org, name=f"T{i}")
        member = MembershipFactory(organisation=agency.org, role="responder")
        team.members.add(member)
        as_role("manager").post(
            base(agency.org) + "rotas/",
            dict(rota_body(agency, team), member_ids=[member.id]),
            format="json",
        )
    with django_assert_max_num_queries(8):
        assert len(client.get(base(agency.org) + "escalation-policies/").json()["results"]) == 4
    with django_assert_max_num_queries(8):
        assert len(client.get(base(agency.org) + "rotas/").json()["results"]) == 3


def test_a_member_chooses_their_channels(agency, as_role):
    client = as_role("viewer")
    assert client.get(base(agency.org) + "notification-channels/").json() == {
        "channels": ["telegram", "email"]
    }
    response = client.put(
        base(agency.org) + "notification-channels/",
        {"channels": ["webhook", "email"]},
        format="json",
    )
    assert response.json() == {"channels": ["webhook", "email"]}
    assert (
        client.put(
            base(agency.org) + "notification-channels/", {"channels": ["pigeon"]}, format="json"
        ).status_code
        == 400
    )
