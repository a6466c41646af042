import pytest

from tenants.models import DEFAULT_SLA_TARGETS, AuditEntry, Membership, Organisation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_creating_an_organisation_makes_the_creator_owner(api) -> None:
    user = UserFactory()
    response = api(user).post("/api/v1/orgs/", {"name": "Север PR"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "owner"
    assert body["slug"]  # derived from the name
    org = Organisation.objects.get(slug=body["slug"])
    assert Membership.objects.get(organisation=org, user=user).role == "owner"
    assert org.sla_targets == DEFAULT_SLA_TARGETS
    assert org.sla_targets["sev1"] == {"acknowledge": 15, "first_response": 60, "resolve": 1440}


def test_slug_is_derived_and_kept_unique(api) -> None:
    user = UserFactory()
    first = api(user).post("/api/v1/orgs/", {"name": "Bright Agency"}, format="json").json()
    second = api(user).post("/api/v1/orgs/", {"name": "Bright Agency"}, format="json").json()
    assert first["slug"] == "bright-agency"
    assert second["slug"] == "bright-agency-2"


def test_an_explicit_taken_slug_is_refused(api, agency) -> None:
    response = api(UserFactory()).post(
        "/api/v1/orgs/", {"name": "X", "slug": "alpha"}, format="json"
    )
    assert response.status_code == 400
    assert "slug" in response.json()["errors"]


def test_list_shows_only_my_organisations(api, agency, outsider) -> None:
    body = api(agency.member("viewer").user).get("/api/v1/orgs/").json()
    assert [o["slug"] for o in body["results"]] == ["alpha"]


def test_owner_updates_sla_targets(as_role, agency) -> None:
    targets = {
        **DEFAULT_SLA_TARGETS,
        "sev1": {"acknowledge": 10, "first_response": 30, "resolve": 600},
    }
    response = as_role("owner").patch(
        "/api/v1/orgs/alpha/", {"sla_targets": targets}, format="json"
    )
    assert response.status_code == 200
    agency.org.refresh_from_db()
    assert agency.org.sla_minutes("sev1", "acknowledge") == 10
    assert AuditEntry.objects.filter(
        organisation=agency.org, action="organisation.updated"
    ).exists()


@pytest.mark.parametrize(
    "targets",
    [{"sev9": {}}, {"sev1": {"acknowledge": -1}}, {"sev1": {"bogus": 5}}, {"sev1": "fast"}, []],
)
def test_invalid_sla_targets_are_refused(as_role, targets) -> None:
    response = as_role("owner").patch(
        "/api/v1/orgs/alpha/", {"sla_targets": targets}, format="json"
    )
    assert response.status_code == 400
    assert "sla_targets" in response.json()["errors"]


@pytest.mark.parametrize("role", ["manager", "responder", "viewer"])
def test_only_owners_change_the_organisation(as_role, agency, role) -> None:
    response = as_role(role).patch("/api/v1/orgs/alpha/", {"name": "Hijacked"}, format="json")
    assert response.status_code == 403
    agency.org.refresh_from_db()
    assert agency.org.name == "Alpha"


def test_every_member_reads_the_organisation(as_role) -> None:
    for role in ("owner", "manager", "responder", "viewer"):
        response = as_role(role).get("/api/v1/orgs/alpha/")
        assert response.status_code == 200
        assert response.json()["role"] == role


def test_a_non_member_gets_404(api, agency, outsider) -> None:
    response = api(outsider.member("owner").user).get("/api/v1/orgs/alpha/")
    assert response.status_code == 404
