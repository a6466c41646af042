"""Post-mortem pages: the review queue, the editor with its prefilled data, submit, request
changes, approve (which closes the incident), action items and exports — each role, the
outsider, the brand-limited member, and refusals beside the field."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Incident
from incidents.monitoring.models import MentionBucket
from incidents.postmortems import services as pm_services
from incidents.postmortems.models import ActionItem, PostMortem
from tenants.models import Role
from tests.factories import MembershipFactory
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db


def _resolve(agency, title: str = "Influencer backlash", brand=None) -> Incident:
    incident = services.incident_create(
        brand=brand or agency.brand,
        title=title,
        severity="sev2",
        by=agency.member("manager"),
        teams=[agency.team],
    )
    services.incident_assign(
        incident=incident, by=agency.member("owner"), commander=agency.member("responder")
    )
    owner = agency.member("owner")
    for status in ("acknowledged", "resolved"):
        services.incident_transition(incident=incident, status=status, by=owner)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def postmortem(agency) -> PostMortem:
    """The draft of a resolved incident of our first brand; the responder commands it."""
    MentionBucket.objects.create(
        organisation=agency.org,
        brand=agency.brand,
        bucket_start=timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5),
        total=12,
        negative=9,
    )
    return PostMortem.objects.get(incident=_resolve(agency))


def _written(pm: PostMortem) -> PostMortem:
    return pm_services.postmortem_update(
        postmortem=pm,
        by=pm.author,
        summary="Backlash after the ad.",
        root_cause="No review of the ambassador's posts.",
        lessons="Review ambassadors before a campaign.",
    )


def _in_review(pm: PostMortem) -> PostMortem:
    return pm_services.postmortem_submit(postmortem=_written(pm), by=pm.author)


def url(pm: PostMortem, tail: str = "") -> str:
    return f"/o/alpha/postmortems/{pm.pk}/{tail}"


# --- The editor ---


def test_the_editor_shows_the_prefilled_data_and_the_form_to_the_author(
    browser_as, postmortem
) -> None:
    response = browser_as("responder").get(url(postmortem))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Post-mortem: Influencer backlash" in body
    assert 'id="postmortem-form"' in body and 'name="root_cause"' in body
    assert "Save and submit for review" in body
    # Prefill: SLA table, mention chart (SVG), tasks and the key timeline.
    assert "Response times against the SLA" in body
    assert '<svg viewBox="0 0 360 180"' in body
    assert "12 mentions" in body or ">12<" in body
    assert "Tasks done" in body and "Approval wait, median" in body
    assert "Key timeline" in body and "Acknowledged" in body
    # Export links for both audiences; no review buttons for the author.
    assert "format=md&amp;audience=client" in body and "format=html&amp;audience=internal" in body
    assert "Approve and close the incident" not in body


def test_a_viewer_reads_the_post_mortem_without_forms(browser_as, postmortem) -> None:
    body = browser_as("viewer").get(url(postmortem)).content.decode()
    assert 'id="postmortem-form"' not in body
    assert "Add an action item" not in body and "Save and submit" not in body
    assert "Root cause" in body


def test_a_viewer_cannot_write(browser_as, postmortem) -> None:
    response = browser_as("viewer").post(url(postmortem), {"summary": "mine"})
    assert response.status_code == 403
    postmortem.refresh_from_db()
    assert postmortem.summary == ""


def test_a_responder_saves_the_sections(browser_as, postmortem) -> None:
    response = browser_as("responder").post(
        url(postmortem), {"summary": "S", "impact": "I", "root_cause": "R", "lessons": "L"}
    )
    assert response.status_code == 302 and response["Location"] == url(postmortem)
    postmortem.refresh_from_db()
    assert (postmortem.summary, postmortem.impact, postmortem.root_cause) == ("S", "I", "R")
    assert postmortem.status == "draft"


def test_submitting_without_the_required_sections_is_refused_beside_the_field(
    browser_as, postmortem
) -> None:
    response = browser_as("responder").post(
        url(postmortem, "submit/"), {"summary": "", "root_cause": "", "lessons": ""}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(
        r'id="pm_summary_error">\s*<li>Write at least the summary, the root cause and the lessons',
        body,
    )
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"


def test_the_author_saves_and_submits_in_one_go(browser_as, postmortem) -> None:
    response = browser_as("responder").post(
        url(postmortem, "submit/"),
        {"summary": "S", "root_cause": "R", "lessons": "L", "impact": "", "went_well": ""},
    )
    assert response.status_code == 302
    postmortem.refresh_from_db()
    assert (postmortem.status, postmortem.summary, postmortem.lessons) == ("in_review", "S", "L")
    assert postmortem.incident.events.filter(kind="postmortem_submitted").count() == 1


def test_someone_else_than_the_author_cannot_submit(browser_as, postmortem) -> None:
    _written(postmortem)
    client = browser_as("manager")
    assert "Save and submit for review" not in client.get(url(postmortem)).content.decode()
    response = client.post(url(postmortem, "submit/"))
    assert response.status_code == 302
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"
    follow = client.get(url(postmortem)).content.decode()
    assert "Only the author or the incident&#x27;s commander submits" in follow


# --- Review ---


def test_a_manager_sees_the_review_buttons_the_author_and_a_responder_do_not(
    browser_as, postmortem
) -> None:
    _in_review(postmortem)
    assert (
        "Approve and close the incident"
        in browser_as("manager").get(url(postmortem)).content.decode()
    )
    for role in ("responder", "viewer"):
        body = browser_as(role).get(url(postmortem)).content.decode()
        assert "Approve and close the incident" not in body and "Request changes" not in body


def test_a_responder_cannot_approve(browser_as, postmortem) -> None:
    _in_review(postmortem)
    assert browser_as("responder").post(url(postmortem, "approve/")).status_code == 403
    postmortem.refresh_from_db()
    assert postmortem.status == "in_review"


def test_request_changes_needs_comments_beside_the_field(browser_as, postmortem) -> None:
    _in_review(postmortem)
    response = browser_as("manager").post(url(postmortem, "request-changes/"), {"comments": " "})
    assert response.status_code == 400
    assert 'id="changes_comments_error"' in response.content.decode()
    postmortem.refresh_from_db()
    assert postmortem.status == "in_review"


def test_request_changes_then_the_author_sees_the_comments_and_edits_again(
    browser_as, postmortem
) -> None:
    _in_review(postmortem)
    response = browser_as("manager").post(
        url(postmortem, "request-changes/"), {"comments": "Name the ambassador agency."}
    )
    assert response.status_code == 302
    postmortem.refresh_from_db()
    assert postmortem.status == "changes_requested"
    body = browser_as("responder").get(url(postmortem)).content.decode()
    assert "Name the ambassador agency." in body and 'id="postmortem-form"' in body


def test_approve_closes_the_incident(browser_as, postmortem) -> None:
    _in_review(postmortem)
    manager = browser_as("manager")
    asked = manager.post(url(postmortem, "approve/"))
    assert "the incident is closed: a closed incident cannot be reopened" in asked.content.decode()
    postmortem.refresh_from_db()
    assert postmortem.status == "in_review"
    response = manager.post(url(postmortem, "approve/"), {"confirmed": "yes"})
    assert response.status_code == 302
    postmortem.refresh_from_db()
    postmortem.incident.refresh_from_db()
    assert postmortem.status == "approved" and postmortem.incident.status == "closed"
    body = browser_as("responder").get(url(postmortem)).content.decode()
    assert 'id="postmortem-form"' not in body and 'data-incident-status="closed"' in body


def test_approving_a_draft_is_refused_as_a_message(browser_as, postmortem) -> None:
    client = browser_as("owner")
    client.post(url(postmortem, "approve/"), {"confirmed": "yes"})
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"
    assert (
        "Only a post-mortem in review can be reviewed."
        in client.get(url(postmortem)).content.decode()
    )


# --- Action items ---


def test_action_items_added_edited_done_and_deleted(browser_as, agency, postmortem) -> None:
    client = browser_as("responder")
    owner = agency.member("responder")
    response = client.post(
        url(postmortem, "items/new/"),
        {"title": "Vet ambassadors", "owner": owner.pk, "due_date": "2030-01-31"},
    )
    assert response.status_code == 302
    item = ActionItem.objects.get()
    assert (item.title, item.owner, str(item.due_date)) == ("Vet ambassadors", owner, "2030-01-31")

    client.post(
        url(postmortem, "items/edit/"),
        {"item": item.pk, "title": "Vet every ambassador", "owner": "", "status": "open"},
    )
    item.refresh_from_db()
    assert (item.title, item.owner, item.due_date) == ("Vet every ambassador", None, None)

    client.post(url(postmortem, "items/done/"), {"item": item.pk})
    item.refresh_from_db()
    assert item.status == "done" and item.completed_at is not None

    asked = client.post(url(postmortem, "items/delete/"), {"item": item.pk}).content.decode()
    assert "Delete the action item" in asked and f'name="item" value="{item.pk}"' in asked
    assert ActionItem.objects.exists()
    client.post(url(postmortem, "items/delete/"), {"item": item.pk, "confirmed": "yes"})
    assert not ActionItem.objects.exists()


def test_an_action_item_needs_a_title_and_a_real_date(browser_as, postmortem) -> None:
    response = browser_as("responder").post(
        url(postmortem, "items/new/"), {"title": "", "due_date": "31/31/2030"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="newitem_title_error"' in body and 'id="newitem_due_date_error"' in body
    assert '<details class="disclosure" id="new-item" open>' in body
    assert not ActionItem.objects.exists()


def test_an_owner_from_another_agency_cannot_be_chosen(browser_as, outsider, postmortem) -> None:
    response = browser_as("responder").post(
        url(postmortem, "items/new/"),
        {"title": "X", "owner": outsider.member("responder").pk},
    )
    assert response.status_code == 400
    assert 'id="newitem_owner_error"' in response.content.decode()
    assert not ActionItem.objects.exists()


def test_an_action_item_of_another_post_mortem_is_not_found(browser_as, agency, postmortem) -> None:
    other = PostMortem.objects.get(incident=_resolve(agency, "Second"))
    item = pm_services.action_item_create(postmortem=other, title="Theirs")
    response = browser_as("responder").post(url(postmortem, "items/delete/"), {"item": item.pk})
    assert response.status_code == 404
    assert ActionItem.objects.filter(pk=item.pk).exists()


def test_a_viewer_cannot_touch_action_items(browser_as, postmortem) -> None:
    assert (
        browser_as("viewer").post(url(postmortem, "items/new/"), {"title": "X"}).status_code == 403
    )
    assert not ActionItem.objects.exists()


# --- Exports ---


@pytest.mark.parametrize(
    ("fmt", "audience", "content_type"),
    [("md", "internal", "text/markdown"), ("html", "client", "text/html")],
)
def test_exports(browser_as, agency, postmortem, fmt, audience, content_type) -> None:
    _written(postmortem)
    response = browser_as("viewer").get(
        url(postmortem, f"export/?format={fmt}&audience={audience}")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"
    body = response.content.decode()
    assert "Review ambassadors before a campaign." in body
    if audience == "client":
        assert "alpha-responder" not in body


def test_an_unknown_export_format_is_a_message(browser_as, postmortem) -> None:
    response = browser_as("viewer").get(url(postmortem, "export/?format=pdf"))
    assert response.status_code == 302 and response["Location"] == url(postmortem)


# --- The list ---


def test_the_list_filters_by_status_my_review_and_search(browser_as, agency, postmortem) -> None:
    other = PostMortem.objects.get(incident=_resolve(agency, "Quiet one"))
    _in_review(postmortem)
    client = browser_as("manager")
    body = client.get("/o/alpha/postmortems/").content.decode()
    assert "Influencer backlash" in body and "Quiet one" in body
    body = client.get("/o/alpha/postmortems/?status=draft").content.decode()
    assert "Influencer backlash" not in body and "Quiet one" in body
    body = client.get("/o/alpha/postmortems/?mine=on").content.decode()
    assert "Influencer backlash" in body and "Quiet one" not in body
    body = client.get("/o/alpha/postmortems/?q=ambassadors").content.decode()
    assert "Influencer backlash" in body and "Quiet one" not in body
    # The author has nothing to review.
    body = browser_as("responder").get("/o/alpha/postmortems/?mine=on").content.decode()
    assert "Influencer backlash" not in body
    assert other.pk


def test_the_list_query_count_does_not_grow_with_rows(
    browser_as, agency, postmortem, django_assert_max_num_queries
) -> None:
    for n in range(5):
        _in_review(PostMortem.objects.get(incident=_resolve(agency, f"Incident {n}")))
    client = browser_as("manager")
    with django_assert_max_num_queries(12):
        response = client.get("/o/alpha/postmortems/")
    assert response.content.decode().count('class="postmortem-row"') == 6


# --- Isolation ---


def test_another_agency_gets_the_not_found_page(outsider, postmortem) -> None:
    client = signed_in(outsider.member("owner").user)
    for path in ("", "export/?format=md", "approve/", "submit/", "items/new/"):
        for slug in ("alpha", "omega"):
            target = f"/o/{slug}/postmortems/{postmortem.pk}/{path}"
            response = (
                client.get(target) if path in ("", "export/?format=md") else client.post(target)
            )
            assert response.status_code == 404, target
            assert "Influencer backlash" not in response.content.decode()
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"


def test_a_brand_limited_member_gets_404_for_other_brands(agency, postmortem) -> None:
    limited = MembershipFactory(organisation=agency.org, role=Role.MANAGER, user__username="client")
    limited.brands.set([agency.other_brand])
    client = signed_in(limited.user)
    assert client.get(url(postmortem)).status_code == 404
    assert client.post(url(postmortem, "approve/")).status_code == 404
    body = client.get("/o/alpha/postmortems/").content.decode()
    assert "Influencer backlash" not in body


def test_anonymous_is_sent_to_sign_in(client, postmortem) -> None:
    response = client.get(url(postmortem))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- Room and dashboard ---


def test_the_room_links_to_the_post_mortem(browser_as, postmortem) -> None:
    body = (
        browser_as("viewer").get(f"/o/alpha/incidents/{postmortem.incident_id}/").content.decode()
    )
    assert f'href="/o/alpha/postmortems/{postmortem.pk}/"' in body


def test_the_dashboard_lists_post_mortems_waiting_for_my_review(browser_as, postmortem) -> None:
    _in_review(postmortem)
    body = browser_as("manager").get("/o/alpha/").content.decode()
    assert "Post-mortems waiting for my review" in body
    assert f'href="/o/alpha/postmortems/{postmortem.pk}/"' in body
    body = browser_as("responder").get("/o/alpha/").content.decode()
    assert "Post-mortems waiting for my review" not in body


def test_the_dashboard_lists_my_overdue_action_items_and_tasks(
    browser_as, agency, postmortem
) -> None:
    from playbooks import services as playbook_services
    from playbooks.models import IncidentTask

    pm_services.action_item_create(
        postmortem=postmortem,
        title="Vet ambassadors",
        owner=agency.member("responder"),
        due_date=timezone.localdate() - timedelta(days=2),
    )
    incident = services.incident_create(
        brand=agency.brand, title="Open one", severity="sev3", by=None, teams=[agency.team]
    )
    playbook = playbook_services.playbook_create(
        organisation=agency.org,
        by=agency.member("owner"),
        name="Plan",
        crisis_type="general",
        language="en",
        steps=[{"title": "Listen first", "due_offset_minutes": 10}],
    )
    playbook_services.playbook_apply(
        incident=incident, playbook=playbook, by=agency.member("owner")
    )
    IncidentTask.objects.update(
        assignee=agency.member("responder"), due_at=timezone.now() - timedelta(hours=1)
    )
    body = browser_as("responder").get("/o/alpha/").content.decode()
    assert "Vet ambassadors (#" in body and "action item due" in body
    assert "Listen first (#" in body and "task due" in body
    body = browser_as("manager").get("/o/alpha/").content.decode()
    assert "Vet ambassadors" not in body and "Listen first" not in body


def test_the_dashboard_charts_mentions_per_brand_over_7_days(
    browser_as, agency, postmortem
) -> None:
    body = browser_as("viewer").get("/o/alpha/").content.decode()
    assert "Mentions per brand" in body
    assert 'aria-current="true" data-range="7d"' in body  # the default range
    assert "12 mentions, 9 negative" in body and "(75%)" in body
    assert "0 mentions, 0 negative" in body  # the second brand, no data


def test_the_post_mortem_pages_read_in_russian(browser_as, postmortem) -> None:
    client = browser_as("responder")
    client.post("/language/", {"language": "ru", "next": "/o/alpha/postmortems/"})
    body = client.get(url(postmortem)).content.decode()
    assert '<html lang="ru">' in body
    assert "Разбор: Influencer backlash" in body and "Первопричина" in body
    assert "Сохранить и отправить на проверку" in body and "Время реакции против SLA" in body
    body = client.get("/o/alpha/postmortems/").content.decode()
    assert "Поиск по выводам и первопричинам" in body
    response = client.post(url(postmortem, "submit/"), {"summary": "", "lessons": ""})
    assert "Напишите как минимум резюме, первопричину и выводы." in response.content.decode()
