"""Issue 20: a client approves a response in the portal; the agency publishes it; the portal
(over the WebSocket) and an anonymous visitor's public statement page (its poll of
live.json) both show the statement without a reload."""

import pytest

from incidents import services
from templates import services as template_services
from templates.models import ResponseStatus
from templates.services import statements
from tenants.models import MemberKind, Role
from tests.factories import MembershipFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

BODY = "We are replacing every faulty kettle free of charge."


def test_client_approves_in_the_portal_and_the_statement_appears_live(web, agency) -> None:
    agency.brand.require_client_approval = True
    agency.brand.languages = ["en"]
    agency.brand.save()
    client = MembershipFactory(
        organisation=agency.org,
        role=Role.VIEWER,
        kind=MemberKind.CLIENT,
        is_client_approver=True,
        user__username="client-approver",
    )
    client.brands.set([agency.brand])
    responder, manager = agency.member("responder"), agency.member("manager")
    incident = services.incident_create(
        brand=agency.brand,
        title="Kettles",
        severity="sev2",
        by=manager,
        teams=[agency.team],
    )
    response = template_services.response_create(
        incident=incident, by=responder, channel="website", body=BODY
    )
    template_services.response_submit(response=response, by=responder)
    template_services.response_approve(response=response, by=manager)
    page = statements.statement_page_publish(incident=incident, by=manager)

    portal = web.page(web.context(client.user))
    portal.goto("/c/alpha/")
    expect(portal.locator("[data-live-status]")).to_have_text("Live")
    expect(portal.locator(f"#portal-response-{response.pk}")).to_contain_text(BODY)
    public = web.page(web.context())
    public.goto(page.path)
    expect(public.locator("#statements")).to_contain_text("No statement has been published yet.")
    public.evaluate("window.notReloaded = true")

    # The client approves in the portal and comes back to it.
    portal.locator(f"#portal-response-{response.pk}").get_by_role("button", name="Approve").click()
    expect(portal).to_have_url(web.url("/c/alpha/"))
    expect(portal.locator(f"#portal-response-{response.pk}")).to_have_count(0)
    response.refresh_from_db()
    assert response.status == ResponseStatus.APPROVED
    assert response.client_approved_by_id == client.pk
    expect(portal.locator("[data-live-status]")).to_have_text("Live")
    portal.evaluate("window.notReloaded = true")

    # The agency records the publication: both pages show it without a reload.
    template_services.response_publish(response=response, by=responder, url="https://kettle.test/1")
    expect(portal.locator(f"#portal-incident-{incident.pk}")).to_contain_text(
        "Published statements", timeout=5000
    )
    expect(portal.locator(f"#portal-incident-{incident.pk}")).to_contain_text(BODY)
    assert portal.evaluate("window.notReloaded") is True
    expect(public.locator(f"#statement-{response.pk}")).to_contain_text(BODY, timeout=15000)
    expect(public.locator("#statements .public__empty")).to_have_count(0)
    assert public.evaluate("window.notReloaded") is True
    assert "kettle.test" not in public.content()
