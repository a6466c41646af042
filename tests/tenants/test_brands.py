import pytest

from tenants.models import AuditEntry, Brand
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_manager_creates_a_brand_and_sees_the_secret_once(as_role, agency) -> None:
    client = as_role("manager")
    response = client.post(
        "/api/v1/orgs/alpha/brands/",
        {"name": "Кофейня Север", "languages": ["ru"], "default_teams": [agency.team.id]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    brand = Brand.objects.get(pk=body["id"])
    assert body["ingest_secret"] == brand.ingest_secret
    assert body["ingest_id"] == str(brand.ingest_id)
    assert body["slug"]  # derived from the name
    assert body["default_teams"] == [agency.team.id]
    again = client.get(f"/api/v1/orgs/alpha/brands/{brand.id}/").json()
    assert "ingest_secret" not in again
    assert again["ingest_id"] == str(brand.ingest_id)


def test_rotation_replaces_the_secret(as_role, agency) -> None:
    old = agency.brand.ingest_secret
    response = as_role("manager").post(
        f"/api/v1/orgs/alpha/brands/{agency.brand.id}/rotate-secret/"
    )
    assert response.status_code == 200
    agency.brand.refresh_from_db()
    assert response.json()["ingest_secret"] == agency.brand.ingest_secret != old
    assert AuditEntry.objects.filter(action="brand.secret_rotated").count() == 1


@pytest.mark.parametrize("role", ["responder", "viewer"])
def test_responders_and_viewers_cannot_manage_brands(as_role, agency, role) -> None:
    client = as_role(role)
    assert (
        client.post("/api/v1/orgs/alpha/brands/", {"name": "X"}, format="json").status_code == 403
    )
    url = f"/api/v1/orgs/alpha/brands/{agency.brand.id}/"
    assert client.patch(url, {"name": "Y"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    assert client.post(url + "rotate-secret/").status_code == 403
    agency.brand.refresh_from_db()
    assert agency.brand.name == "alpha brand"


def test_viewers_read_brands_without_the_ingest_id(as_role) -> None:
    body = as_role("viewer").get("/api/v1/orgs/alpha/brands/").json()
    assert {b["slug"] for b in body["results"]} == {"alpha-brand", "alpha-second"}
    assert all("ingest_id" not in b and "ingest_secret" not in b for b in body["results"])


def test_slug_must_be_unique_within_the_organisation(as_role, outsider) -> None:
    client = as_role("manager")
    assert (
        client.post(
            "/api/v1/orgs/alpha/brands/", {"name": "A", "slug": "alpha-brand"}, format="json"
        ).status_code
        == 400
    )
    # the same slug in another organisation is fine
    assert (
        client.post(
            "/api/v1/orgs/alpha/brands/", {"name": "B", "slug": "omega-brand"}, format="json"
        ).status_code
        == 201
    )


def test_a_team_of_another_organisation_cannot_be_a_default_team(as_role, outsider) -> None:
    response = as_role("manager").post(
        "/api/v1/orgs/alpha/brands/",
        {"name": "X", "default_teams": [outsider.team.id]},
        format="json",
    )
    assert response.status_code == 400
    assert "default_teams" in response.json()["errors"]


def test_patch_and_delete(as_role, agency) -> None:
    client = as_role("manager")
    url = f"/api/v1/orgs/alpha/brands/{agency.other_brand.id}/"
    assert (
        client.patch(
            url, {"name": "Renamed", "require_client_approval": True}, format="json"
        ).json()["name"]
        == "Renamed"
    )
    assert client.delete(url).status_code == 204
    assert not Brand.objects.filter(pk=agency.other_brand.id).exists()


def test_a_brand_with_incidents_is_not_deleted(as_role, agency) -> None:
    IncidentFactory(brand=agency.brand)
    response = as_role("manager").delete(f"/api/v1/orgs/alpha/brands/{agency.brand.id}/")
    assert response.status_code == 409
    assert Brand.objects.filter(pk=agency.brand.id).exists()


def test_brand_limited_member_sees_only_their_brands(api, agency) -> None:
    viewer = agency.member("viewer")
    viewer.brands.set([agency.brand])
    client = api(viewer.user)
    body = client.get("/api/v1/orgs/alpha/brands/").json()
    assert [b["slug"] for b in body["results"]] == ["alpha-brand"]
    assert client.get(f"/api/v1/orgs/alpha/brands/{agency.other_brand.id}/").status_code == 404


def test_brand_list_query_count_is_constant(as_role, agency, django_assert_max_num_queries) -> None:
    from tests.factories import BrandFactory

    for _ in range(20):
        BrandFactory(organisation=agency.org).default_teams.add(agency.team)
    with django_assert_max_num_queries(5):
        response = as_role("manager").get("/api/v1/orgs/alpha/brands/")
    assert len(response.json()["results"]) == 22
