"""(b) Acknowledge an incident, apply a playbook, tick a task — and a colleague watching the
same incident room sees the checklist change without reloading."""

import pytest

from incidents import services
from incidents.models import Status
from playbooks import services as playbook_services
from playbooks.models import IncidentTask

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]


def test_acknowledge_apply_a_playbook_and_tick_a_task(web, agency) -> None:
    incident = services.incident_create(
        brand=agency.brand,
        title="Wave of quality complaints",
        severity="sev2",
        by=agency.member("manager"),
        teams=[agency.team],
    )
    playbook_services.playbook_create(
        organisation=agency.org,
        by=agency.member("owner"),
        name="Viral negative trend",
        crisis_type="quality",
        language="en",
        keywords=["quality"],
        steps=[
            {"title": "Acknowledge publicly within the hour", "due_offset_minutes": 60},
            {"title": "Collect the facts from the client", "due_offset_minutes": 120},
        ],
    )
    room = f"/o/alpha/incidents/{incident.pk}/"
    watcher = web.page(web.context(agency.member("manager").user))
    watcher.goto(room)
    expect(watcher.locator("[data-live-status]")).to_have_class("live-status is-live")

    page = web.page(web.context(agency.member("responder").user))
    page.goto(room)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("[data-incident-status]")).to_have_text("Acknowledged")

    page.get_by_label("Apply a playbook").select_option(label="Viral negative trend (EN)")
    page.get_by_role("button", name="Apply", exact=True).click()
    tasks = page.locator("#section-tasks .task")
    expect(tasks).to_have_count(2)
    expect(page.locator("[data-tasks-progress]")).to_have_text("0 of 2 done")

    page.get_by_label("Acknowledge publicly within the hour").check()
    expect(page.locator("[data-tasks-progress]")).to_have_text("1 of 2 done")
    expect(page.get_by_label("Acknowledge publicly within the hour")).to_be_checked()

    task = IncidentTask.objects.get(title="Acknowledge publicly within the hour")
    assert task.done_at is not None
    assert task.done_by == agency.member("responder")
    incident.refresh_from_db()
    assert (incident.status, incident.crisis_type) == (Status.ACKNOWLEDGED, "quality")
    expect(page.locator("#timeline")).to_contain_text(
        "completed the task “Acknowledge publicly within the hour”"
    )
    # The manager's open room followed along, live.
    expect(watcher.locator("[data-incident-status]")).to_have_text("Acknowledged")
    expect(watcher.locator("[data-tasks-progress]")).to_have_text("1 of 2 done")
    expect(watcher.locator("#timeline")).to_contain_text(
        "applied the playbook “Viral negative trend”"
    )
    web.last_page = page
