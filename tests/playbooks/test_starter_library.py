"""Every new organisation starts with the starter playbooks and templates, in ru and en."""

import pytest

from playbooks.models import Playbook, PlaybookStep
from playbooks.services import starter_library_install
from playbooks.starter import CRISIS_TYPES, STARTER_PLAYBOOKS
from templates.models import ResponseTemplate
from templates.services import starter_templates_install
from templates.starter import STARTER_TEMPLATES
from tenants.models import Organisation
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_org(api) -> Organisation:
    response = api(UserFactory()).post("/api/v1/orgs/", {"name": "Новое агентство"}, format="json")
    assert response.status_code == 201
    return Organisation.objects.get(slug=response.json()["slug"])


def test_a_new_organisation_has_every_starter_playbook_in_both_languages(new_org) -> None:
    present = set(
        Playbook.objects.filter(organisation=new_org).values_list("crisis_type", "language")
    )

    assert present == {(code, lang) for code, _, _ in CRISIS_TYPES for lang in ("ru", "en")}
    assert Playbook.objects.filter(organisation=new_org).count() == len(STARTER_PLAYBOOKS)
    for data in STARTER_PLAYBOOKS:
        playbook = Playbook.objects.get(
            organisation=new_org, name=data["name"], language=data["language"]
        )
        steps = list(playbook.steps.order_by("position"))
        assert [s.title for s in steps] == [s["title"] for s in data["steps"]]
        assert [s.position for s in steps] == list(range(1, len(steps) + 1))
        assert playbook.keywords == data["keywords"]
        assert playbook.active is True


def test_starter_steps_link_the_templates_they_name(new_org) -> None:
    names = {t["key"]: (t["name"], t["language"]) for t in STARTER_TEMPLATES}
    for data in STARTER_PLAYBOOKS:
        playbook = Playbook.objects.get(
            organisation=new_org, name=data["name"], language=data["language"]
        )
        for step, spec in zip(playbook.steps.order_by("position"), data["steps"], strict=True):
            if spec["template_key"] is None:
                assert step.template_id is None
            else:
                template = step.template
                assert (template.name, template.language) == names[spec["template_key"]]
                assert template.organisation_id == new_org.id


def test_a_new_organisation_has_the_starter_templates_in_both_languages(as_role, new_org) -> None:
    templates = ResponseTemplate.objects.filter(organisation=new_org).select_related(
        "current_version"
    )

    assert templates.count() == len(STARTER_TEMPLATES)
    by_name = {(t.name, t.language): t for t in templates}
    for data in STARTER_TEMPLATES:
        template = by_name[(data["name"], data["language"])]
        assert (template.channel, template.tone, template.brand_id) == (
            data["channel"],
            data["tone"],
            None,
        )
        assert template.current_version.number == 1
        assert template.current_version.body == data["body"]
        assert template.current_version.variables == data["variables"]
    kinds = {(t["key"].rsplit("_", 1)[0], t["language"]) for t in STARTER_TEMPLATES}
    for base in ("holding_statement_x", "public_apology_website", "compensation_offer_email"):
        assert {(base, "ru"), (base, "en")} <= kinds


def test_the_starter_library_is_readable_over_the_api(api, new_org) -> None:
    owner = new_org.memberships.get().user
    client = api(owner)

    playbooks = client.get(f"/api/v1/orgs/{new_org.slug}/playbooks/?page_size=200").json()
    russian = client.get(f"/api/v1/orgs/{new_org.slug}/templates/?language=ru&page_size=200").json()

    assert len(playbooks["results"]) == len(STARTER_PLAYBOOKS)
    assert {t["language"] for t in russian["results"]} == {"ru"}
    assert len(russian["results"]) == sum(1 for t in STARTER_TEMPLATES if t["language"] == "ru")


def test_installing_again_adds_nothing_and_restores_what_was_deleted(new_org) -> None:
    Playbook.objects.filter(organisation=new_org, language="en", crisis_type="data_leak").delete()
    before_steps = PlaybookStep.objects.filter(organisation=new_org).count()

    starter_templates_install(organisation=new_org)
    starter_library_install(organisation=new_org)
    starter_library_install(organisation=new_org)

    assert Playbook.objects.filter(organisation=new_org).count() == len(STARTER_PLAYBOOKS)
    assert ResponseTemplate.objects.filter(organisation=new_org).count() == len(STARTER_TEMPLATES)
    leak = next(
        p for p in STARTER_PLAYBOOKS if p["crisis_type"] == "data_leak" and p["language"] == "en"
    )
    assert PlaybookStep.objects.filter(organisation=new_org).count() == before_steps + len(
        leak["steps"]
    )


def test_installation_is_a_handful_of_bulk_queries(django_assert_max_num_queries) -> None:
    # Three reads, four bulk writes (SQLite splits ~120 steps into two INSERTs), savepoints.
    organisation = OrganisationFactory()

    with django_assert_max_num_queries(14):
        starter_templates_install(organisation=organisation)
        starter_library_install(organisation=organisation)

    assert Playbook.objects.filter(organisation=organisation).count() == len(STARTER_PLAYBOOKS)
