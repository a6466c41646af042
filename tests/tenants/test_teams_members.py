import pytest

from tenants.models import AuditEntry, Membership, Role, Team

pytestmark = pytest.mark.django_db


def test_manager_creates_a_team_with_members(as_role, agency) -> None:
    members = [agency.member("responder").id, agency.member("manager").id]
    response = as_role("manager").post(
        "/api/v1/orgs/alpha/teams/", {"name": "Night shift", "members": members}, format="json"
    )
    assert response.status_code == 201
    team = Team.objects.get(pk=response.json()["id"])
    assert sorted(team.members.values_list("id", flat=True)) == sorted(members)


def test_team_names_are_unique_within_the_organisation(as_role) -> None:
    response = as_role("manager").post(
        "/api/v1/orgs/alpha/teams/", {"name": "alpha care"}, format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_add_and_remove_a_team_member(as_role, agency) -> None:
    client = as_role("manager")
    owner = agency.member("owner")
    url = f"/api/v1/orgs/alpha/teams/{agency.team.id}/members/"
    assert client.post(url, {"membership": owner.id}, format="json").status_code == 200
    assert agency.team.members.filter(pk=owner.pk).exists()
    assert client.delete(f"{url}{owner.id}/").status_code == 204
    assert not agency.team.members.filter(pk=owner.pk).exists()


def test_a_member_of_another_organisation_cannot_join_a_team(as_role, agency, outsider) -> None:
    url = f"/api/v1/orgs/alpha/teams/{agency.team.id}/members/"
    response = as_role("manager").post(
        url, {"membership": outsider.member("viewer").id}, format="json"
    )
    assert response.status_code == 400
    assert agency.team.members.count() == 2


@pytest.mark.parametrize("role", ["responder", "viewer"])
def test_only_managers_manage_teams(as_role, agency, role) -> None:
    client = as_role(role)
    assert client.post("/api/v1/orgs/alpha/teams/", {"name": "X"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/orgs/alpha/teams/{agency.team.id}/").status_code == 403
    assert client.get("/api/v1/orgs/alpha/teams/").status_code == 200


def test_owner_changes_a_role_and_it_is_audited(as_role, agency) -> None:
    responder = agency.member("responder")
    response = as_role("owner").patch(
        f"/api/v1/orgs/alpha/members/{responder.id}/", {"role": "manager"}, format="json"
    )
    assert response.status_code == 200
    responder.refresh_from_db()
    assert responder.role == "manager"
    entry = AuditEntry.objects.get(action="membership.changed")
    assert entry.payload["role"] == ["responder", "manager"]


def test_owner_limits_a_member_to_brands(as_role, agency) -> None:
    viewer = agency.member("viewer")
    response = as_role("owner").patch(
        f"/api/v1/orgs/alpha/members/{viewer.id}/",
        {"brands": [agency.brand.id], "is_client_approver": True},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["brands"] == [agency.brand.id]
    viewer.refresh_from_db()
    assert viewer.is_client_approver is True


@pytest.mark.parametrize("role", ["manager", "responder", "viewer"])
def test_only_owners_manage_members(as_role, agency, role) -> None:
    target = agency.member("viewer")
    client = as_role(role)
    assert (
        client.patch(
            f"/api/v1/orgs/alpha/members/{target.id}/", {"role": "owner"}, format="json"
        ).status_code
        == 403
    )
    assert client.delete(f"/api/v1/orgs/alpha/members/{target.id}/").status_code == 403
    target.refresh_from_db()
    assert target.role == "viewer"


def test_the_last_owner_can_be_neither_demoted_nor_removed(as_role, agency) -> None:
    owner = agency.member("owner")
    client = as_role("owner")
    response = client.patch(
        f"/api/v1/orgs/alpha/members/{owner.id}/", {"role": "manager"}, format="json"
    )
    assert response.status_code == 409
    assert client.delete(f"/api/v1/orgs/alpha/members/{owner.id}/").status_code == 409
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_an_owner_can_step_down_when_another_owner_remains(as_role, agency) -> None:
    manager = agency.member("manager")
    client = as_role("owner")
    client.patch(f"/api/v1/orgs/alpha/members/{manager.id}/", {"role": "owner"}, format="json")
    owner = agency.member("owner")
    assert (
        client.patch(
            f"/api/v1/orgs/alpha/members/{owner.id}/", {"role": "viewer"}, format="json"
        ).status_code
        == 200
    )


def test_owner_removes_a_member(as_role, agency) -> None:
    viewer = agency.member("viewer")
    assert as_role("owner").delete(f"/api/v1/orgs/alpha/members/{viewer.id}/").status_code == 204
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    assert AuditEntry.objects.filter(
        action="membership.removed", target=viewer.user.username
    ).exists()


def test_members_list_query_count_is_constant(
    as_role, agency, django_assert_max_num_queries
) -> None:
    from tests.factories import MembershipFactory

    for _ in range(15):
        agency.team.members.add(MembershipFactory(organisation=agency.org))
    with django_assert_max_num_queries(6):
        response = as_role("viewer").get("/api/v1/orgs/alpha/members/")
    assert len(response.json()["results"]) == 19
