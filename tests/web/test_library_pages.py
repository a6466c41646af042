"""The playbook and template libraries: managers edit them through the same services as the
API; everyone else reads them."""

import re

import pytest

from playbooks import services as playbook_services
from playbooks.models import Playbook
from templates import services as template_services
from templates.models import ResponseTemplate

pytestmark = pytest.mark.django_db


def _steps_post(rows: list[dict], initial: int = 0) -> dict:
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(initial),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"form-{i}-{key}"] = value
    return data


PLAYBOOK = {
    "name": "Ad backlash",
    "crisis_type": "ad_backlash",
    "language": "en",
    "suggested_severity": "sev1",
    "description": "A celebrity's remark in our campaign.",
    "keywords": "ad, campaign, offensive",
    "active": "on",
}


def test_a_manager_writes_a_playbook_with_steps(browser_as, agency) -> None:
    client = browser_as("manager")
    response = client.post(
        "/o/alpha/playbooks/new/",
        {
            **PLAYBOOK,
            **_steps_post(
                [
                    {"title": "Pull the ad", "due_offset_minutes": "30", "owner_role": "manager"},
                    {
                        "title": "Open apology",
                        "due_offset_minutes": "120",
                        "owner_team": agency.team.pk,
                    },
                    {"title": ""},  # an empty row adds nothing
                ]
            ),
        },
    )
    playbook = Playbook.objects.get(name="Ad backlash")
    assert response["Location"] == f"/o/alpha/playbooks/{playbook.pk}/"
    assert playbook.keywords == ["ad", "campaign", "offensive"]
    steps = list(playbook.steps.values_list("title", "due_offset_minutes", "owner_team"))
    assert steps == [("Pull the ad", 30, None), ("Open apology", 120, agency.team.pk)]

    first, second = playbook.steps.all()
    client.post(
        f"/o/alpha/playbooks/{playbook.pk}/",
        {
            **PLAYBOOK,
            "name": "Ad campaign backlash",
            **_steps_post(
                [
                    {"id": first.pk, "title": "Pull the ad", "DELETE": "on"},
                    {
                        "id": second.pk,
                        "title": "Open apology from the brand",
                        "due_offset_minutes": "60",
                    },
                ],
                initial=2,
            ),
        },
    )
    playbook.refresh_from_db()
    assert playbook.name == "Ad campaign backlash"
    assert list(playbook.steps.values_list("id", "title")) == [
        (second.pk, "Open apology from the brand")
    ]


def test_a_playbook_without_steps_is_refused_in_words(browser_as) -> None:
    response = browser_as("manager").post(
        "/o/alpha/playbooks/new/", {**PLAYBOOK, **_steps_post([])}
    )
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert not Playbook.objects.exists()


def test_responders_read_playbooks_but_do_not_edit(browser_as, agency) -> None:
    playbook = playbook_services.playbook_create(
        organisation=agency.org,
        by=agency.member("owner"),
        name="Plan",
        crisis_type="general",
        language="ru",
        steps=[{"title": "Слушать"}],
    )
    client = browser_as("responder")
    assert "Слушать" in client.get(f"/o/alpha/playbooks/{playbook.pk}/").content.decode()
    assert "New playbook" not in client.get("/o/alpha/playbooks/").content.decode()
    assert client.get("/o/alpha/playbooks/new/").status_code == 403
    response = client.post(f"/o/alpha/playbooks/{playbook.pk}/", {**PLAYBOOK, **_steps_post([])})
    assert response.status_code == 403
    playbook.refresh_from_db()
    assert playbook.name == "Plan"


TEMPLATE = {
    "name": "Holding statement",
    "channel": "x",
    "language": "en",
    "tone": "informative",
    "brand": "",
    "body": "{{ brand }} is looking into {{ topic }}.",
    "variables": "topic",
    "active": "on",
}


def test_a_manager_writes_a_template_and_each_edit_is_a_version(browser_as, agency) -> None:
    client = browser_as("manager")
    response = client.post("/o/alpha/templates/new/", TEMPLATE)
    template = ResponseTemplate.objects.get(name="Holding statement")
    assert response["Location"] == f"/o/alpha/templates/{template.pk}/"
    client.post(
        f"/o/alpha/templates/{template.pk}/",
        {**TEMPLATE, "body": "{{ brand }} is checking {{ topic }} now."},
    )
    client.post(
        f"/o/alpha/templates/{template.pk}/",
        {**TEMPLATE, "body": "{{ brand }} is checking {{ topic }} now.", "tone": "empathetic"},
    )
    template.refresh_from_db()
    assert template.current_version.number == 2  # the tone change alone adds no version
    assert template.tone == "empathetic"
    page = client.get(f"/o/alpha/templates/{template.pk}/").content.decode()
    assert "Version history" in page and "v1 ·" in page and "v2 ·" in page
    assert "[brand] is checking [topic] now." in page  # every brand: no brand name to show


def test_an_undeclared_placeholder_is_refused_beside_the_text(browser_as) -> None:
    response = browser_as("manager").post(
        "/o/alpha/templates/new/", {**TEMPLATE, "body": "{{ brand }}: {{ topic }} {{ when }}"}
    )
    assert response.status_code == 400
    assert re.search(
        r'id="id_body_error">\s*<li>\{\{ when \}\} is used but not declared',
        response.content.decode(),
    )
    assert not ResponseTemplate.objects.exists()


def test_the_template_preview_counts_and_reports_problems(browser_as, agency) -> None:
    client = browser_as("manager")
    body = client.post(
        "/o/alpha/templates/preview/",
        {
            "body": "{{ brand }}: " + "x" * 300,
            "variables": "",
            "channel": "x",
            "brand": agency.brand.pk,
        },
    ).content.decode()
    assert "313 / 280 characters" in body and "too long for this channel" in body
    body = client.post(
        "/o/alpha/templates/preview/", {"body": "{{ nope }}", "channel": "x"}
    ).content.decode()
    assert "{{ nope }} is used but not declared." in body
    assert (
        browser_as("responder").post("/o/alpha/templates/preview/", {"body": "x"}).status_code
        == 403
    )


def test_responders_read_templates_but_do_not_edit(browser_as, agency) -> None:
    template = template_services.template_create(
        organisation=agency.org,
        by=agency.member("manager"),
        name="Sorry",
        channel="sms",
        language="en",
        tone="apologetic",
        body="Sorry from {{ brand }}.",
        variables=[],
    )
    client = browser_as("responder")
    assert (
        "Sorry from {{ brand }}."
        in client.get(f"/o/alpha/templates/{template.pk}/").content.decode()
    )
    assert client.post(f"/o/alpha/templates/{template.pk}/", TEMPLATE).status_code == 403
    assert client.get("/o/alpha/templates/new/").status_code == 403
