"""(c) Draft a response from a template with a too-long text (the counter says so and saving
is refused), fix it, submit it; a manager approves it in another browser; it is published,
which stops the first-response clock."""

import pytest

from incidents import services
from templates import services as template_services
from templates.models import Response, ResponseStatus

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

LONG = "we are checking every order placed this week and will write to each customer. " * 4


def test_draft_refused_when_too_long_fixed_submitted_approved_published(web, agency) -> None:
    incident = services.incident_create(
        brand=agency.brand,
        title="Late deliveries",
        severity="sev2",
        by=agency.member("manager"),
        teams=[agency.team],
    )
    template_services.template_create(
        organisation=agency.org,
        by=agency.member("manager"),
        name="Apology on X",
        channel="x",
        language="en",
        tone="apologetic",
        body="{{ brand }} apologises: {{ message }}",
        variables=["message"],
    )
    room = f"/o/alpha/incidents/{incident.pk}/"
    page = web.page(web.context(agency.member("responder").user))
    page.goto(room)

    # A template, a value far too long for X: the live counter says so.
    page.get_by_text("Draft a response").click()
    page.get_by_label("Template").select_option(label="Apology on X · X · EN · ≤ 280")
    message = page.get_by_label("message")
    message.fill(LONG)
    counter = page.locator("[data-counter]")
    length = len(f"{agency.brand.name} apologises: {LONG}")
    expect(counter).to_contain_text(f"{length} / 280 characters")
    expect(counter).to_contain_text("too long for this channel")
    expect(counter).to_have_class("counter counter--over")

    # Saving anyway is refused, beside the form, with the numbers.
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#response_error")).to_have_text(
        f"The text is {length} characters; this channel allows 280."
    )
    assert not Response.objects.exists()

    # Fixed: the counter turns fine, the draft is saved and submitted.
    page.get_by_label("message").fill("the deliveries are back on schedule from today.")
    expect(page.locator("[data-counter]")).not_to_have_class("counter counter--over")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".response")).to_have_count(1)
    expect(page.locator(".response .status")).to_have_text("Draft")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator(".response .status")).to_have_text("Pending approval")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # not one's own

    # A manager approves it in their own browser.
    manager = web.page(web.context(agency.member("manager").user))
    manager.goto(room)
    manager.get_by_role("button", name="Approve").click()
    expect(manager.locator(".response .status")).to_have_text("Approved")

    # The responder's room shows the approval live, then records the publication.
    expect(page.locator(".response .status")).to_have_text("Approved", timeout=5000)
    page.get_by_label("Published at (address)").fill("https://x.com/alpha/status/1")
    page.get_by_role("button", name="Record publication").click()
    expect(page.locator(".response .status")).to_have_text("Published")
    expect(page.locator("#incident-header .clock--met")).to_contain_text("First response")

    response = Response.objects.get()
    assert response.status == ResponseStatus.PUBLISHED
    assert response.body == (
        f"{agency.brand.name} apologises: the deliveries are back on schedule from today."
    )
    assert response.approved_by == agency.member("manager")
    incident.refresh_from_db()
    assert incident.first_response_at == response.published_at
    expect(page.locator("#timeline")).to_contain_text("published response #")
    web.last_page = page
