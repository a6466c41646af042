"""Playbooks over the API: nested steps written in one go, reordering, roles, tenancy."""

import pytest

from playbooks.models import Playbook, PlaybookStep
from tests.factories import (
    MembershipFactory,
    PlaybookFactory,
    ResponseTemplateFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/alpha/playbooks/"


def new_playbook(**overrides: object) -> dict:
    return {
        "name": "Influencer scandal",
        "crisis_type": "ad_backlash",
        "language": "en",
        "description": "When the face of a campaign says something offensive.",
        "suggested_severity": "sev2",
        "keywords": ["Boycott ", "ad", "ad", "celebrity"],
        "steps": [
            {"title": "Verify the quote", "due_offset_minutes": 10, "owner_role": "responder"},
            {"title": "Pause the campaign", "due_offset_minutes": 30, "owner_role": "manager"},
        ],
        **overrides,
    }


def test_a_manager_creates_a_playbook_with_its_steps(as_role, agency) -> None:
    template = ResponseTemplateFactory(organisation=agency.org)
    payload = new_playbook()
    payload["steps"][0].update(owner_team=agency.team.id, template=template.id, guidance="Find it.")

    response = as_role("manager").post(URL, payload, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["keywords"] == ["boycott", "ad", "celebrity"]  # normalised, deduplicated
    assert [
        (s["position"], s["title"], s["owner_team"], s["owner_role"], s["template"])
        for s in body["steps"]
    ] == [
        (1, "Verify the quote", agency.team.id, "responder", template.id),
        (2, "Pause the campaign", None, "manager", None),
    ]
    assert Playbook.objects.get(pk=body["id"]).organisation == agency.org


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"steps": []}, "steps"),
        ({"crisis_type": "alien_invasion"}, "crisis_type"),
        ({"language": "de"}, "language"),
        ({"suggested_severity": "sev9"}, "suggested_severity"),
        ({"steps": [{"title": "x", "due_offset_minutes": -5}]}, "steps"),
        ({"steps": [{"title": "x", "due_offset_minutes": 5, "owner_role": "viewer"}]}, "steps"),
    ],
)
def test_invalid_playbooks_are_refused(as_role, change, field) -> None:
    response = as_role("manager").post(URL, new_playbook(**change), format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Playbook.objects.exists()


def test_teams_and_templates_of_another_agency_are_unknown(as_role, outsider) -> None:
    foreign_team = outsider.team
    foreign_template = ResponseTemplateFactory(organisation=outsider.org)

    for step_change in ({"owner_team": foreign_team.id}, {"template": foreign_template.id}):
        payload = new_playbook()
        payload["steps"][0].update(step_change)
        response = as_role("manager").post(URL, payload, format="json")
        assert response.status_code == 400
        assert "steps" in response.json()["errors"]
    assert not Playbook.objects.exists()


def test_a_name_is_unique_per_language(as_role) -> None:
    as_role("manager").post(URL, new_playbook(), format="json")

    again = as_role("manager").post(URL, new_playbook(), format="json")
    in_russian = as_role("manager").post(URL, new_playbook(language="ru"), format="json")

    assert again.status_code == 400
    assert "name" in again.json()["errors"]
    assert in_russian.status_code == 201


def test_a_write_with_steps_replaces_the_list_and_keeps_steps_given_by_id(as_role, agency) -> None:
    playbook = PlaybookFactory(organisation=agency.org, steps=3)
    first, second, third = playbook.steps.order_by("position")

    response = as_role("manager").patch(
        f"{URL}{playbook.id}/",
        {
            "name": "Renamed",
            "steps": [
                {"id": third.id, "title": "Third, now first", "due_offset_minutes": 5},
                {"title": "Brand new", "due_offset_minutes": 15},
                {"id": first.id, "title": "Step 1", "due_offset_minutes": 60},
            ],
        },
        format="json",
    )

    body = response.json()
    assert response.status_code == 200
    assert body["name"] == "Renamed"
    assert [(s["position"], s["title"], s["due_offset_minutes"]) for s in body["steps"]] == [
        (1, "Third, now first", 5),
        (2, "Brand new", 15),
        (3, "Step 1", 60),
    ]
    assert body["steps"][0]["id"] == third.id
    assert body["steps"][2]["id"] == first.id
    assert not PlaybookStep.objects.filter(pk=second.pk).exists()


def test_a_write_without_steps_leaves_them_alone(as_role, agency) -> None:
    playbook = PlaybookFactory(organisation=agency.org, steps=2)

    response = as_role("manager").patch(f"{URL}{playbook.id}/", {"active": False}, format="json")

    assert response.json()["active"] is False
    assert [s["title"] for s in response.json()["steps"]] == ["Step 1", "Step 2"]


def test_steps_of_another_playbook_cannot_be_taken_over(as_role, agency) -> None:
    playbook = PlaybookFactory(organisation=agency.org, steps=1)
    other = PlaybookFactory(organisation=agency.org, steps=1)
    foreign_step = other.steps.get()

    response = as_role("manager").patch(
        f"{URL}{playbook.id}/",
        {"steps": [{"id": foreign_step.id, "title": "Mine", "due_offset_minutes": 1}]},
        format="json",
    )

    assert response.status_code == 400
    assert other.steps.get().title == "Step 1"


def test_incomplete_replacement_steps_are_refused(as_role, agency) -> None:
    playbook = PlaybookFactory(organisation=agency.org, steps=1)

    response = as_role("manager").patch(
        f"{URL}{playbook.id}/", {"steps": [{"title": "No offset"}]}, format="json"
    )

    assert response.status_code == 400
    assert "steps" in response.json()["errors"]


def test_reorder_puts_the_steps_in_the_given_order(as_role, agency) -> None:
    playbook = PlaybookFactory(organisation=agency.org, steps=3)
    a, b, c = playbook.steps.order_by("position").values_list("id", flat=True)

    response = as_role("manager").post(
        f"{URL}{playbook.id}/reorder/", {"steps": [c, a, b]}, format="json"
    )

    assert response.status_code == 200
    assert [s["id"] for s in response.json()["steps"]] == [c, a, b]
    assert [s["position"] for s in response.json()["steps"]] == [1, 2, 3]


@pytest.mark.parametrize("order", ["missing", "duplicate", "foreign"])
def test_reorder_needs_every_step_exactly_once(as_role, agency, order) -> None:
    playbook = PlaybookFactory(organisation=agency.org, steps=3)
    other = PlaybookFactory(organisation=agency.org, steps=1)
    a, b, c = playbook.steps.order_by("position").values_list("id", flat=True)
    steps = {"missing": [c, a], "duplicate": [a, a, b, c], "foreign": [a, b, other.steps.get().id]}

    response = as_role("manager").post(
        f"{URL}{playbook.id}/reorder/", {"steps": steps[order]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["expected"] == [a, b, c]
    assert list(playbook.steps.order_by("position").values_list("id", flat=True)) == [a, b, c]


def test_a_manager_deletes_a_playbook(as_role, agency) -> None:
    playbook = PlaybookFactory(organisation=agency.org)

    response = as_role("manager").delete(f"{URL}{playbook.id}/")

    assert response.status_code == 204
    assert not Playbook.objects.exists()
    assert not PlaybookStep.objects.exists()


@pytest.mark.parametrize("role", ["responder", "viewer"])
def test_responders_and_viewers_read_but_do_not_write(as_role, agency, role) -> None:
    playbook = PlaybookFactory(organisation=agency.org)
    client = as_role(role)
    detail = f"{URL}{playbook.id}/"

    assert client.get(URL).status_code == 200
    assert client.get(detail).status_code == 200
    assert client.post(URL, new_playbook(), format="json").status_code == 403
    assert client.patch(detail, {"name": "x"}, format="json").status_code == 403
    assert client.post(f"{detail}reorder/", {"steps": []}, format="json").status_code == 403
    assert client.delete(detail).status_code == 403
    assert Playbook.objects.get().name == playbook.name


def test_brand_limited_members_read_playbooks_but_do_not_edit_them(api, agency) -> None:
    playbook = PlaybookFactory(organisation=agency.org)
    limited = MembershipFactory(organisation=agency.org, role="manager")
    limited.brands.set([agency.brand])
    client = api(limited.user)

    assert client.get(f"{URL}{playbook.id}/").status_code == 200
    assert client.patch(f"{URL}{playbook.id}/", {"name": "x"}, format="json").status_code == 403
    assert client.post(URL, new_playbook(), format="json").status_code == 403


def test_filters_and_crisis_types(as_role, agency) -> None:
    PlaybookFactory(organisation=agency.org, crisis_type="data_leak", language="ru")
    en = PlaybookFactory(organisation=agency.org, crisis_type="general", language="en")
    client = as_role("viewer")

    filtered = client.get(f"{URL}?language=en&crisis_type=general").json()["results"]
    types = client.get(f"{URL}crisis-types/").json()

    assert [p["id"] for p in filtered] == [en.id]
    assert {"code": "ad_backlash", "en": "Ad campaign backlash", "ru": types[1]["ru"]} in types
    assert {t["code"] for t in types} >= {"general", "product_quality", "service_complaints"}


def test_another_agency_gets_404_on_every_playbook_endpoint(api, agency, outsider) -> None:
    playbook = PlaybookFactory(organisation=agency.org)
    client = api(outsider.member("owner").user)

    for slug in ("alpha", "omega"):
        detail = f"/api/v1/orgs/{slug}/playbooks/{playbook.id}/"
        assert client.get(detail).status_code == 404
        assert client.patch(detail, {"name": "stolen"}, format="json").status_code == 404
        assert client.post(f"{detail}reorder/", {"steps": []}, format="json").status_code == 404
        assert client.delete(detail).status_code == 404
    assert client.get("/api/v1/orgs/alpha/playbooks/").status_code == 404
    assert client.get("/api/v1/orgs/omega/playbooks/").json()["results"] == []
    assert Playbook.objects.get().name == playbook.name


def test_list_query_count_does_not_grow_with_playbooks(
    as_role, agency, django_assert_max_num_queries
) -> None:
    client = as_role("viewer")
    PlaybookFactory(organisation=agency.org)
    with django_assert_max_num_queries(6) as few:
        client.get(URL)
    baseline = len(few.captured_queries)  # read now: each request resets the query log
    for _ in range(15):
        PlaybookFactory(organisation=agency.org, steps=5)

    with django_assert_max_num_queries(baseline):
        response = client.get(URL)

    assert len(response.json()["results"]) == 16
