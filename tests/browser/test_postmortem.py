"""(d) Resolve the incident, fill the post-mortem, submit it; a manager in another browser
requests changes, the author fixes and resubmits, the manager approves — and the incident is
closed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Status
from incidents.monitoring.models import MentionBucket
from incidents.postmortems.models import PostMortem, PostMortemStatus
from tests.browser.conftest import OUTPUT

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]


def test_resolve_write_submit_request_changes_approve_and_close(web, agency) -> None:
    responder = agency.member("responder")
    incident = services.incident_create(
        brand=agency.brand,
        title="Ambassador backlash",
        severity="sev2",
        by=agency.member("manager"),
        teams=[agency.team],
    )
    services.incident_assign(incident=incident, by=agency.member("owner"), commander=responder)
    services.incident_acknowledge(incident=incident, by=responder)
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for hours_ago, (total, negative) in enumerate([(40, 31), (25, 12), (9, 2), (5, 1)]):
        MentionBucket.objects.create(
            organisation=agency.org,
            brand=agency.brand,
            bucket_start=hour - timedelta(hours=hours_ago),
            total=total,
            negative=negative,
        )
    room = f"/o/alpha/incidents/{incident.pk}/"

    # The commander resolves the incident in the room: a post-mortem is drafted.
    page = web.page(web.context(responder.user))
    page.goto(room)
    expect(page.locator("#section-postmortem")).to_contain_text("drafted when the incident")
    page.locator('[data-action="status-resolved"]').click()
    expect(page.locator("#incident-header [data-incident-status]")).to_have_text("Resolved")
    page.get_by_role("link", name="Open the post-mortem").click()
    expect(page.locator("h1")).to_have_text("Post-mortem: Ambassador backlash")
    expect(page.locator("#pm-mentions svg")).to_have_count(1)

    # Submitting with an empty root cause is refused beside the field.
    page.get_by_label("Summary").fill("A paid ambassador's offensive post was tied to the brand.")
    page.get_by_label("Lessons").fill("Vet ambassadors before a campaign.")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator("#pm_summary_error")).to_contain_text("Write at least the summary")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "postmortem_editor_refused.png"), full_page=True)
    page.get_by_label("Root cause").fill("No review of the ambassador's past posts.")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator("[data-postmortem-status]")).to_have_text("In review")
    expect(page.get_by_role("button", name="Approve and close the incident")).to_have_count(0)

    # A manager, in another browser, asks for changes.
    manager = web.page(web.context(agency.member("manager").user))
    manager.goto("/o/alpha/postmortems/?mine=on")
    manager.screenshot(path=str(OUTPUT / "postmortem_review_queue.png"), full_page=True)
    manager.get_by_role("link", name=f"#{incident.pk} Ambassador backlash").click()
    manager.get_by_label("What should change").fill("Add an action item for the vetting.")
    manager.get_by_role("button", name="Request changes").click()
    expect(manager.locator("[data-postmortem-status]")).to_have_text("Changes requested")

    # The author reads the comment, adds the action item and submits again.
    page.reload()
    expect(page.locator("#review-comments")).to_contain_text("Add an action item for the vetting.")
    page.get_by_text("Add an action item", exact=True).click()
    page.locator("#newitem_title").fill("Vetting checklist for ambassadors")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#action-items")).to_contain_text("Vetting checklist for ambassadors")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator("[data-postmortem-status]")).to_have_text("In review")

    # The manager approves: the post-mortem is approved and the incident closed.
    manager.reload()
    manager.get_by_role("button", name="Approve and close the incident").click()
    # It asks first, saying what it will do.
    expect(manager.locator("[data-consequence]")).to_contain_text("cannot be reopened")
    manager.get_by_role("button", name="Approve and close the incident").click()
    expect(manager.locator("[data-postmortem-status]")).to_have_text("Approved")
    expect(manager.locator("[data-incident-status]")).to_have_text("Incident: Closed")
    manager.goto(room)
    expect(manager.locator("#incident-header [data-incident-status]")).to_have_text("Closed")
    manager.goto("/o/alpha/")
    expect(manager.locator("#dashboard-volume svg")).to_have_count(2)
    manager.screenshot(path=str(OUTPUT / "postmortem_dashboard.png"), full_page=True)
    manager.goto(f"/o/alpha/postmortems/{incident.postmortem.pk}/")

    postmortem = PostMortem.objects.get(incident=incident)
    incident.refresh_from_db()
    assert postmortem.status == PostMortemStatus.APPROVED
    assert postmortem.approved_by == agency.member("manager")
    assert incident.status == Status.CLOSED
    assert list(postmortem.action_items.values_list("title", flat=True)) == [
        "Vetting checklist for ambassadors"
    ]
    web.last_page = manager
