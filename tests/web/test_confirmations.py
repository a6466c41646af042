"""Every destructive or irreversible action asks first, saying what it will do; only the
confirmed second post acts. A foreign object is a 404 before anything is asked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services as incident_services
from playbooks import services as playbook_services
from playbooks.models import IncidentTask
from templates import services as template_services
from templates.models import Response
from tenants.models import Membership, Team

pytestmark = pytest.mark.django_db

CONFIRM = '<input type="hidden" name="confirmed" value="yes">'


@pytest.fixture
def response_draft(agency, incident) -> Response:
    template = template_services.template_create(
        organisation=agency.org,
        by=agency.member("manager"),
        name="Short apology",
        channel="sms",
        language="en",
        tone="apologetic",
        body="{{ brand }}: {{ message }}",
        variables=["message"],
    )
    client_post = f"/o/alpha/incidents/{incident.pk}/responses/new/"
    from tests.web.conftest import signed_in

    signed_in(agency.member("responder").user).post(
        client_post, {"template": template.pk, "var_message": "We are on it."}
    )
    return Response.objects.get()


def test_deleting_a_team_asks_what_it_will_do_then_deletes(browser_as, agency) -> None:
    client = browser_as("manager")
    url = f"/o/alpha/teams/{agency.team.pk}/delete/"
    asked = client.post(url)
    body = asked.content.decode()
    assert asked.status_code == 200
    assert "Delete the team “alpha care”?" in body
    assert "its members stay in the organisation" in body and CONFIRM in body
    assert f'href="/o/alpha/teams/{agency.team.pk}/"' in body  # the way back, unchanged
    assert Team.objects.filter(pk=agency.team.pk).exists()
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    assert not Team.objects.filter(pk=agency.team.pk).exists()


def test_removing_a_member_asks_first(browser_as, agency) -> None:
    client = browser_as("owner")
    viewer = agency.member("viewer")
    url = f"/o/alpha/members/{viewer.pk}/remove/"
    body = client.post(url).content.decode()
    assert "Remove alpha-viewer from “Alpha”?" in body
    assert "loses access to this organisation at once" in body
    assert Membership.objects.filter(pk=viewer.pk).exists()
    client.post(url, {"confirmed": "yes"})
    assert not Membership.objects.filter(pk=viewer.pk).exists()


def test_leaving_the_organisation_says_so(browser_as, agency) -> None:
    manager = agency.member("manager")
    manager.role = "owner"
    manager.save(update_fields=["role"])
    body = browser_as("manager").post(f"/o/alpha/members/{manager.pk}/remove/").content.decode()
    assert "Leave “Alpha”?" in body and "You lose access" in body


def test_discarding_a_response_asks_first(browser_as, incident, response_draft) -> None:
    client = browser_as("responder")
    url = f"/o/alpha/incidents/{incident.pk}/responses/{response_draft.pk}/delete/"
    body = client.post(url).content.decode()
    assert f"Discard response #{response_draft.pk} (SMS)?" in body
    assert "The timeline keeps a record" in body
    assert Response.objects.filter(pk=response_draft.pk).exists()
    client.post(url, {"confirmed": "yes"})
    assert not Response.objects.filter(pk=response_draft.pk).exists()


def test_another_agencys_objects_are_not_found_before_anything_is_asked(
    browser_as, agency, outsider
) -> None:
    owner = browser_as("owner")
    for url in (
        f"/o/alpha/teams/{outsider.team.pk}/delete/",
        f"/o/alpha/brands/{outsider.brand.pk}/delete/",
        f"/o/alpha/brands/{outsider.brand.pk}/rotate-secret/",
        f"/o/alpha/members/{outsider.member('viewer').pk}/remove/",
    ):
        assert owner.post(url).status_code == 404, url
        assert owner.post(url, {"confirmed": "yes"}).status_code == 404, url
    assert owner.get(f"/o/alpha/brands/{outsider.brand.pk}/secret/").status_code == 404


def test_a_viewer_is_refused_before_being_asked(browser_as, agency) -> None:
    assert browser_as("viewer").post(f"/o/alpha/teams/{agency.team.pk}/delete/").status_code == 403


def test_confirmation_pages_speak_russian(browser_as, agency) -> None:
    body = (
        browser_as("manager")
        .post(f"/o/alpha/teams/{agency.team.pk}/delete/", HTTP_ACCEPT_LANGUAGE="ru")
        .content.decode()
    )
    assert "Удалить команду «alpha care»?" in body
    assert "Отменить, ничего не менять" in body


def _with_tasks(agency, incident, offsets: list[int]) -> list[IncidentTask]:
    playbook = playbook_services.playbook_create(
        organisation=agency.org,
        by=agency.member("owner"),
        name="Service complaints",
        crisis_type="service",
        language="en",
        keywords=[],
        steps=[{"title": f"Step {n}", "due_offset_minutes": m} for n, m in enumerate(offsets)],
    )
    return playbook_services.playbook_apply(
        incident=incident, playbook=playbook, by=agency.member("manager")
    )


def _acknowledged(agency, incident):
    incident_services.incident_acknowledge(incident=incident, by=agency.member("owner"))
    incident.refresh_from_db()
    return incident


def test_resolving_with_open_tasks_warns_how_many_are_past_due(
    browser_as, agency, incident
) -> None:
    incident = _acknowledged(agency, incident)
    tasks = _with_tasks(agency, incident, [30, 60, 600, 600, 600, 600, 600])
    IncidentTask.objects.filter(pk__in=[tasks[0].pk, tasks[1].pk]).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    body = (
        browser_as("responder")
        .post(f"/o/alpha/incidents/{incident.pk}/status/", {"status": "resolved"})
        .content.decode()
    )
    assert "Resolve “Influencer backlash” with work left open?" in body
    assert "7 playbook tasks are still open; 2 of them are past due" in body
    assert '<input type="hidden" name="status" value="resolved">' in body
    incident.refresh_from_db()
    assert incident.status == "acknowledged"


def test_tasks_not_yet_due_at_resolution_are_not_counted_as_skipped(
    browser_as, agency, incident
) -> None:
    incident = _acknowledged(agency, incident)
    _with_tasks(agency, incident, [600, 600, 600, 600, 600, 600])
    client = browser_as("responder")
    url = f"/o/alpha/incidents/{incident.pk}/status/"
    assert "none is past due yet" in client.post(url, {"status": "resolved"}).content.decode()
    client.post(url, {"status": "resolved", "confirmed": "yes"})
    incident.refresh_from_db()
    assert incident.status == "resolved"
    facts = incident.postmortem.prefill["tasks"]
    assert (facts["total"], facts["done"], facts["skipped"], facts["not_due"]) == (6, 0, 0, 6)
    editor = client.get(f"/o/alpha/postmortems/{incident.postmortem.pk}/").content.decode()
    assert "<dd data-tasks-skipped>0</dd>" in editor
    assert "<dd data-tasks-not-due>6</dd>" in editor


def test_resolving_with_every_task_done_does_not_ask(browser_as, agency, incident) -> None:
    incident = _acknowledged(agency, incident)
    client = browser_as("responder")
    response = client.post(f"/o/alpha/incidents/{incident.pk}/status/", {"status": "resolved"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "resolved"


def test_the_resolve_warning_speaks_russian_plurals(browser_as, agency, incident) -> None:
    incident = _acknowledged(agency, incident)
    _with_tasks(agency, incident, [600])
    body = (
        browser_as("responder")
        .post(
            f"/o/alpha/incidents/{incident.pk}/status/",
            {"status": "resolved"},
            HTTP_ACCEPT_LANGUAGE="ru",
        )
        .content.decode()
    )
    assert "1 задача сценария ещё открыта" in body
