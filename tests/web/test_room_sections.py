"""The incident room's sections from the apps that build on incidents: the playbook checklist,
the responses with their live preview, and the linked mentions."""

import pytest

from incidents.models import IncidentEvent
from playbooks import services as playbook_services
from playbooks.models import IncidentTask
from templates import services as template_services
from templates.models import Response, ResponseStatus
from tenants.models import MemberKind, Role
from tests.factories import MembershipFactory
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def playbook(agency):
    return playbook_services.playbook_create(
        organisation=agency.org,
        by=agency.member("owner"),
        name="Service complaints",
        crisis_type="service",
        language="en",
        keywords=["backlash"],
        steps=[
            {"title": "Apologise publicly", "due_offset_minutes": 30},
            {"title": "Offer compensation", "due_offset_minutes": 240},
        ],
    )


@pytest.fixture
def template(agency):
    return template_services.template_create(
        organisation=agency.org,
        by=agency.member("manager"),
        name="Short apology",
        channel="sms",
        language="en",
        tone="apologetic",
        body="{{ brand }}: {{ message }}",
        variables=["message"],
    )


def test_the_room_suggests_playbooks_and_applies_one(browser_as, incident, playbook) -> None:
    client = browser_as("responder")
    room = client.get(f"/o/alpha/incidents/{incident.pk}/").content.decode()
    assert "Suggested for this incident" in room and "Service complaints (EN)" in room
    response = client.post(
        f"/o/alpha/incidents/{incident.pk}/apply-playbook/",
        {"playbook": playbook.pk},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card tasks" id="section-tasks"')
    assert "Apologise publicly" in body and "0 of 2 done" in body
    assert "Service complaints (EN)" not in body  # applied: no longer offered
    # Twice: refused inside the section, in words.
    again = client.post(
        f"/o/alpha/incidents/{incident.pk}/apply-playbook/",
        {"playbook": playbook.pk},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert IncidentTask.objects.count() == 2
    assert "Choose a playbook." in again or "already been applied" in again


def test_ticking_and_unticking_a_task(browser_as, agency, incident, playbook) -> None:
    playbook_services.playbook_apply(
        incident=incident, playbook=playbook, by=agency.member("owner")
    )
    task = IncidentTask.objects.get(title="Apologise publicly")
    client = browser_as("responder")
    url = f"/o/alpha/incidents/{incident.pk}/tasks/{task.pk}/toggle/"
    body = client.post(url, {"done": "true"}, HTTP_HX_REQUEST="true").content.decode()
    assert "1 of 2 done" in body
    task.refresh_from_db()
    assert task.done_by == agency.member("responder")
    client.post(url, {})  # unticked: the box posts nothing
    task.refresh_from_db()
    assert task.done_at is None
    assert list(
        IncidentEvent.objects.filter(kind__startswith="task").values_list("kind", flat=True)
    ) == [
        "task_done",
        "task_reopened",
    ]


def test_viewers_see_the_checklist_but_cannot_tick(browser_as, agency, incident, playbook) -> None:
    playbook_services.playbook_apply(
        incident=incident, playbook=playbook, by=agency.member("owner")
    )
    task = IncidentTask.objects.get(title="Apologise publicly")
    client = browser_as("viewer")
    room = client.get(f"/o/alpha/incidents/{incident.pk}/").content.decode()
    assert "Apologise publicly" in room and 'type="checkbox" name="done"' not in room
    url = f"/o/alpha/incidents/{incident.pk}/tasks/{task.pk}/toggle/"
    assert client.post(url, {"done": "true"}).status_code == 403
    task.refresh_from_db()
    assert task.done_at is None


def test_the_preview_counts_against_the_channels_limit(browser_as, incident, template) -> None:
    client = browser_as("responder")
    url = f"/o/alpha/incidents/{incident.pk}/responses/preview/"
    body = client.post(url, {"template": template.pk, "var_message": "x" * 200}).content.decode()
    assert "213 / 160 characters" in body and "too long for this channel" in body
    body = client.post(url, {"template": template.pk, "var_message": "Sorry."}).content.decode()
    assert "alpha brand: Sorry." in body and "19 / 160 characters" in body
    assert "counter--over" not in body
    body = client.post(url, {"template": template.pk}).content.decode()
    assert "Fill in: message" in body
    body = client.post(url, {"channel": "x", "body": "Free text"}).content.decode()
    assert "9 / 280 characters" in body


def test_the_variables_follow_the_chosen_template(browser_as, incident, template) -> None:
    response = browser_as("responder").get(
        f"/o/alpha/incidents/{incident.pk}/responses/variables/?template={template.pk}"
    )
    assert 'name="var_message"' in response.content.decode()
    assert response["HX-Trigger-After-Settle"] == "cd-variables"


def test_a_too_long_draft_is_refused_beside_the_form(browser_as, incident, template) -> None:
    response = browser_as("responder").post(
        f"/o/alpha/incidents/{incident.pk}/responses/new/",
        {"template": template.pk, "var_message": "x" * 200},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The text is 213 characters; this channel allows 160." in body
    assert f'<option value="{template.pk}" selected>' in body  # the form keeps its state
    assert not Response.objects.exists()


def test_draft_submit_approve_reject_and_publish(browser_as, agency, incident, template) -> None:
    responder, manager = browser_as("responder"), browser_as("manager")
    base = f"/o/alpha/incidents/{incident.pk}/responses/"
    responder.post(base + "new/", {"template": template.pk, "var_message": "We are on it."})
    draft = Response.objects.get()
    assert (draft.status, draft.body) == (ResponseStatus.DRAFT, "alpha brand: We are on it.")
    responder.post(base + f"{draft.pk}/submit/")
    # The author may not approve their own response.
    page = responder.post(base + f"{draft.pk}/approve/", follow=True).content.decode()
    assert "You cannot approve a response you wrote." in page
    manager.post(base + f"{draft.pk}/reject/", {"reason": "Say when it will be fixed."})
    draft.refresh_from_db()
    assert (draft.status, draft.rejected_reason) == ("rejected", "Say when it will be fixed.")
    responder.post(base + f"{draft.pk}/edit/", {"body": "alpha brand: fixed by 18:00 today."})
    responder.post(base + f"{draft.pk}/submit/")
    manager.post(base + f"{draft.pk}/approve/")
    draft.refresh_from_db()
    assert draft.status == ResponseStatus.APPROVED
    page = responder.post(base + f"{draft.pk}/publish/", {"url": "not a url"}, follow=True)
    assert "Give the address where the response was published." in page.content.decode()
    responder.post(base + f"{draft.pk}/publish/", {"url": "https://example.com/post/1"})
    draft.refresh_from_db()
    incident.refresh_from_db()
    assert draft.status == ResponseStatus.PUBLISHED
    assert incident.first_response_at == draft.published_at


def test_viewers_cannot_draft_or_publish(browser_as, incident, template) -> None:
    client = browser_as("viewer")
    room = client.get(f"/o/alpha/incidents/{incident.pk}/").content.decode()
    assert "Draft a response" not in room
    url = f"/o/alpha/incidents/{incident.pk}/responses/new/"
    assert client.post(url, {"template": template.pk, "var_message": "x"}).status_code == 403
    assert not Response.objects.exists()


def test_the_room_lists_linked_mentions_with_their_sentiment(browser_as, agency, incident) -> None:
    from django.utils import timezone

    from incidents.monitoring.models import Mention

    Mention.objects.create(
        organisation=agency.org,
        brand=agency.brand,
        platform="vk",
        external_id="1",
        author="angry_customer",
        text="Worst delivery ever",
        posted_at=timezone.now(),
        sentiment_score=-0.8,
        sentiment_label="negative",
        incident=incident,
    )
    room = browser_as("viewer").get(f"/o/alpha/incidents/{incident.pk}/").content.decode()
    assert "1 linked mention" in room
    assert "Worst delivery ever" in room and "sentiment--negative" in room
    assert '<svg viewBox="0 0 640 180"' in room  # the main column's wide chart


def test_the_room_reads_a_bounded_number_of_queries(
    browser_as, agency, incident, playbook, template, django_assert_max_num_queries
) -> None:
    owner = agency.member("owner")
    playbook_services.playbook_apply(incident=incident, playbook=playbook, by=owner)
    for n in range(3):
        template_services.response_create(
            incident=incident,
            by=owner,
            template=template,
            variables={"message": f"Update {n}"},
        )
    client = browser_as("responder")
    with django_assert_max_num_queries(35):
        response = client.get(f"/o/alpha/incidents/{incident.pk}/")
    assert response.content.decode().count('class="response response--draft"') == 3


def test_only_agency_staff_are_offered_to_record_a_publication(agency, incident) -> None:
    """The publish door refuses client staff: the room no longer offers them the form (it
    did to a client manager or responder; may_publish_response is the door's rule)."""
    client_manager = MembershipFactory(
        organisation=agency.org, role=Role.MANAGER, kind=MemberKind.CLIENT, is_client_approver=True
    )
    client_manager.brands.set([agency.brand])
    # Approved by the agency and by the client: listed for client staff too.
    response = Response.objects.create(
        organisation=agency.org,
        incident=incident,
        channel="x",
        body="We are on it.",
        status=ResponseStatus.APPROVED,
        author=agency.member("responder"),
        approved_by=agency.member("owner"),
        client_approved_by=client_manager,
    )
    room = f"/o/alpha/incidents/{incident.pk}/"
    publish = f"{room}responses/{response.pk}/publish/"

    as_client = signed_in(client_manager.user)
    page = as_client.get(room)
    assert page.status_code == 200
    assert f'id="response-{response.pk}"' in page.content.decode()
    assert 'data-action="publish"' not in page.content.decode()
    assert as_client.post(publish, {"url": "https://example.com/1"}).status_code == 403

    for role in ("responder", "manager"):
        page = signed_in(agency.member(role).user).get(room).content.decode()
        assert 'data-action="publish"' in page


def test_send_back_is_offered_to_whom_the_reject_service_allows(agency, incident) -> None:
    """The room offered "Send back" only with "Approve"; the service also lets a manager send
    back their own response (may_reject is the service's rule). Client staff are not shown
    a response before the agency approved it, so their approver sees neither yet."""
    agency.brand.require_client_approval = True
    agency.brand.save(update_fields=["require_client_approval"])
    approver = MembershipFactory(
        organisation=agency.org, role=Role.MANAGER, kind=MemberKind.CLIENT, is_client_approver=True
    )
    approver.brands.set([agency.brand])
    pending = Response.objects.create(
        organisation=agency.org,
        incident=incident,
        channel="x",
        body="We are on it.",
        status=ResponseStatus.PENDING_APPROVAL,
        author=agency.member("manager"),
    )
    room = f"/o/alpha/incidents/{incident.pk}/"

    def offered(client) -> tuple[bool, bool]:
        page = client.get(room).content.decode()
        return 'data-action="approve"' in page, 'data-action="reject"' in page

    assert offered(signed_in(agency.member("manager").user)) == (False, True)  # their own
    assert offered(signed_in(agency.member("owner").user)) == (True, True)
    assert offered(signed_in(approver.user)) == (False, False)  # not listed for clients yet
    assert offered(signed_in(agency.member("responder").user)) == (False, False)
    # And the service does send it back for them.
    manager = signed_in(agency.member("manager").user)
    manager.post(f"{room}responses/{pending.pk}/reject/", {"reason": "Say when."})
    pending.refresh_from_db()
    assert pending.status == ResponseStatus.REJECTED
