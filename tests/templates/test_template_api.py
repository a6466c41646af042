"""Response templates over the API: versioning, filters, preview rendering, roles, tenancy."""

import pytest

from templates import services
from templates.models import ResponseTemplate, TemplateVersion
from tests.factories import IncidentFactory, MembershipFactory, ResponseTemplateFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/alpha/templates/"
NEW = {
    "name": "Holding statement",
    "channel": "x",
    "language": "en",
    "tone": "empathetic",
    "body": "{{ brand }} is looking into {{ topic }}. Next update at {{ time }}.",
    "variables": ["topic", "time"],
}


def test_a_manager_creates_a_template_as_version_1(as_role, agency) -> None:
    response = as_role("manager").post(URL, NEW, format="json")

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("name", "channel", "language", "tone", "body", "variables")} == {
        k: NEW[k] for k in ("name", "channel", "language", "tone", "body", "variables")
    }
    assert (body["brand"], body["version"], body["limit"], body["active"]) == (None, 1, 280, True)
    template = ResponseTemplate.objects.get(pk=body["id"])
    assert template.organisation == agency.org
    assert list(template.versions.values_list("number", flat=True)) == [1]


@pytest.mark.parametrize(
    ("body", "variables", "problem"),
    [
        ("Hi {{ name }}", [], "{{ name }} is used but not declared."),
        ("Hi", ["name"], "name is declared but never used."),
        ("Hi {{ brand }}", ["brand"], "brand is built in; do not declare it."),
    ],
)
def test_placeholders_and_declared_variables_must_agree(as_role, body, variables, problem) -> None:
    response = as_role("manager").post(
        URL, {**NEW, "body": body, "variables": variables}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["body"] == [problem]
    assert not ResponseTemplate.objects.filter(name=NEW["name"]).exists()


def test_a_name_is_unique_per_language_and_brand_scope(as_role, agency) -> None:
    as_role("manager").post(URL, NEW, format="json")

    again = as_role("manager").post(URL, NEW, format="json")
    russian = as_role("manager").post(URL, {**NEW, "language": "ru"}, format="json")
    for_a_brand = as_role("manager").post(URL, {**NEW, "brand": agency.brand.id}, format="json")

    assert again.status_code == 400
    assert "name" in again.json()["errors"]
    assert (russian.status_code, for_a_brand.status_code) == (201, 201)


def test_editing_the_body_adds_a_version_and_keeps_the_old_one(as_role, agency) -> None:
    created = as_role("manager").post(URL, NEW, format="json").json()
    url = f"{URL}{created['id']}/"

    renamed = as_role("manager").patch(url, {"name": "Holding (X)"}, format="json").json()
    edited = as_role("owner").patch(
        url, {"body": "Looking into {{ topic }}.", "variables": ["topic"]}, format="json"
    )
    same_again = as_role("owner").patch(url, {"body": "Looking into {{ topic }}."}, format="json")

    assert renamed["version"] == 1  # metadata is not wording
    assert edited.status_code == 200
    assert (edited.json()["version"], edited.json()["variables"]) == (2, ["topic"])
    assert same_again.json()["version"] == 2  # no change, no version
    versions = as_role("viewer").get(f"{url}versions/").json()["results"]
    assert [(v["number"], v["body"], v["created_by"]) for v in versions] == [
        (2, "Looking into {{ topic }}.", "alpha-owner"),
        (1, NEW["body"], "alpha-manager"),
    ]


def test_an_edit_that_breaks_the_placeholders_is_refused(as_role) -> None:
    created = as_role("manager").post(URL, NEW, format="json").json()

    response = as_role("manager").patch(
        f"{URL}{created['id']}/", {"body": "Only {{ topic }}"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["body"] == ["time is declared but never used."]
    assert TemplateVersion.objects.filter(template_id=created["id"]).count() == 1


def test_list_filters_by_brand_channel_language_and_tone(as_role, agency) -> None:
    org = agency.org
    shared = ResponseTemplateFactory(organisation=org, channel="x", language="en", tone="firm")
    mine = ResponseTemplateFactory(organisation=org, brand=agency.brand, channel="vk")
    other = ResponseTemplateFactory(organisation=org, brand=agency.other_brand, language="ru")
    client = as_role("viewer")

    def ids(query: str) -> set[int]:
        return {t["id"] for t in client.get(f"{URL}?{query}").json()["results"]}

    assert ids("") == {shared.id, mine.id, other.id}
    assert ids(f"brand={agency.brand.id}") == {shared.id, mine.id}
    assert ids("shared=true") == {shared.id}
    assert ids("channel=vk") == {mine.id}
    assert ids("language=ru") == {other.id}
    assert ids("tone=firm") == {shared.id}
    assert client.get(f"{URL}?channel=fax").status_code == 400


def test_preview_renders_with_the_incident_built_ins(as_role, agency) -> None:
    template = ResponseTemplateFactory(
        organisation=agency.org,
        channel="email",
        body="{{ brand }} / {{ incident_title }}: {{ topic }}",
        variables=["topic"],
    )
    incident = IncidentFactory(brand=agency.brand, title="Login outage")

    response = as_role("responder").post(
        f"{URL}{template.id}/render/",
        {"variables": {"topic": "<b>refunds</b>"}, "incident": incident.id},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "text": "alpha brand / Login outage: <b>refunds</b>",
        "html": "<p>alpha brand / Login outage: &lt;b&gt;refunds&lt;/b&gt;</p>",
        "length": 42,
        "limit": None,
        "within_limit": True,
        "warnings": [],
    }


def test_preview_over_the_limit_is_200_with_a_warning(as_role, agency) -> None:
    template = ResponseTemplateFactory(organisation=agency.org, channel="sms")

    response = as_role("responder").post(
        f"{URL}{template.id}/render/", {"variables": {"topic": "x" * 5000}}, format="json"
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["within_limit"], body["limit"], body["length"]) == (False, 160, 5041)
    assert body["warnings"] == ["The text is 5041 characters; sms allows 160."]
    assert "html" not in body


def test_preview_names_missing_and_unknown_variables(as_role, agency) -> None:
    template = ResponseTemplateFactory(organisation=agency.org)

    response = as_role("responder").post(
        f"{URL}{template.id}/render/", {"variables": {"tpoic": "typo"}}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {"variables": ["Missing value for topic.", "Unknown variable tpoic."]}
    assert (body["missing"], body["unknown"]) == (["topic"], ["tpoic"])


def test_a_value_longer_than_the_field_allows_is_refused(as_role, agency) -> None:
    template = ResponseTemplateFactory(organisation=agency.org, channel="email")

    response = as_role("responder").post(
        f"{URL}{template.id}/render/", {"variables": {"topic": "x" * 10_001}}, format="json"
    )

    assert response.status_code == 400
    assert "variables" in response.json()["errors"]


def test_a_brand_template_cannot_render_for_another_brands_incident(as_role, agency) -> None:
    template = ResponseTemplateFactory(organisation=agency.org, brand=agency.other_brand)
    incident = IncidentFactory(brand=agency.brand)

    response = as_role("responder").post(
        f"{URL}{template.id}/render/",
        {"variables": {"topic": "t"}, "incident": incident.id},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"template": ["This template belongs to another brand."]}


@pytest.mark.parametrize("role", ["responder", "viewer"])
def test_only_managers_and_up_write_templates(as_role, agency, role) -> None:
    template = ResponseTemplateFactory(organisation=agency.org)
    client = as_role(role)

    assert client.post(URL, NEW, format="json").status_code == 403
    assert client.patch(f"{URL}{template.id}/", {"name": "x"}, format="json").status_code == 403
    assert client.delete(f"{URL}{template.id}/").status_code == 403
    assert client.get(f"{URL}{template.id}/").status_code == 200
    assert ResponseTemplate.objects.filter(organisation=agency.org).count() == 1


def test_viewers_cannot_render(as_role, agency) -> None:
    template = ResponseTemplateFactory(organisation=agency.org)

    response = as_role("viewer").post(f"{URL}{template.id}/render/", {}, format="json")

    assert response.status_code == 403


def test_a_template_with_responses_cannot_be_deleted(as_role, agency) -> None:
    template = ResponseTemplateFactory(organisation=agency.org)
    unused = ResponseTemplateFactory(organisation=agency.org)
    incident = IncidentFactory(brand=agency.brand)
    services.response_create(
        incident=incident,
        by=agency.member("responder"),
        template=template,
        variables={"topic": "x"},
    )

    refused = as_role("manager").delete(f"{URL}{template.id}/")
    deleted = as_role("manager").delete(f"{URL}{unused.id}/")

    assert refused.status_code == 409
    assert deleted.status_code == 204
    assert list(ResponseTemplate.objects.values_list("id", flat=True)) == [template.id]


def test_brand_limited_members_see_shared_and_their_brands_templates_only(api, agency) -> None:
    shared = ResponseTemplateFactory(organisation=agency.org)
    mine = ResponseTemplateFactory(organisation=agency.org, brand=agency.brand)
    theirs = ResponseTemplateFactory(organisation=agency.org, brand=agency.other_brand)
    limited = MembershipFactory(organisation=agency.org, role="manager")
    limited.brands.set([agency.brand])
    client = api(limited.user)

    listed = {t["id"] for t in client.get(URL).json()["results"]}
    hidden = client.get(f"{URL}{theirs.id}/")
    edit_shared = client.patch(f"{URL}{shared.id}/", {"name": "Mine now"}, format="json")
    create_shared = client.post(URL, NEW, format="json")
    create_theirs = client.post(URL, {**NEW, "brand": agency.other_brand.id}, format="json")
    create_mine = client.post(URL, {**NEW, "brand": agency.brand.id}, format="json")

    assert listed == {shared.id, mine.id}
    assert hidden.status_code == 404
    assert (edit_shared.status_code, create_shared.status_code) == (403, 403)
    assert create_theirs.status_code == 400
    assert create_mine.status_code == 201
    shared.refresh_from_db()
    assert shared.name != "Mine now"


def test_another_agency_gets_404_on_every_template_endpoint(api, agency, outsider) -> None:
    template = ResponseTemplateFactory(organisation=agency.org)
    client = api(outsider.member("owner").user)

    for slug in ("alpha", "omega"):
        base = f"/api/v1/orgs/{slug}/templates/{template.id}/"
        assert client.get(base).status_code == 404
        assert client.patch(base, {"name": "stolen"}, format="json").status_code == 404
        assert client.get(f"{base}versions/").status_code == 404
        assert client.post(f"{base}render/", {}, format="json").status_code == 404
        assert client.delete(base).status_code == 404
    assert client.get("/api/v1/orgs/omega/templates/").json()["results"] == []
    assert ResponseTemplate.objects.get(pk=template.pk).name == template.name


def test_an_other_agencys_brand_is_refused_as_unknown(as_role, outsider) -> None:
    response = as_role("manager").post(URL, {**NEW, "brand": outsider.brand.id}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["brand"] == [
        f'Invalid pk "{outsider.brand.id}" - object does not exist.'
    ]


def test_list_query_count_does_not_grow_with_templates(
    as_role, agency, django_assert_max_num_queries
) -> None:
    client = as_role("viewer")
    for _ in range(3):
        ResponseTemplateFactory(organisation=agency.org, brand=agency.brand)
    with django_assert_max_num_queries(6) as few:
        client.get(URL)
    baseline = len(few.captured_queries)  # read now: each request resets the query log
    for _ in range(20):
        ResponseTemplateFactory(organisation=agency.org, brand=agency.brand)

    with django_assert_max_num_queries(baseline):
        response = client.get(URL)

    assert len(response.json()["results"]) == 23
