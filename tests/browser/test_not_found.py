"""(f) A member of another agency who opens our incident's address gets the not-found page:
no title, no brand, no hint that the incident exists."""

import pytest

from incidents import services

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]


def test_another_agencys_member_opening_our_incident_gets_the_not_found_page(
    web, agency, outsider
) -> None:
    incident = services.incident_create(
        brand=agency.brand,
        title="Confidential: CEO statement leak",
        severity="sev1",
        by=agency.member("manager"),
        teams=[agency.team],
    )
    page = web.page(web.context(outsider.member("owner").user))

    for path in (
        f"/o/alpha/incidents/{incident.pk}/",  # our organisation's address
        f"/o/omega/incidents/{incident.pk}/",  # their own organisation, our incident's id
    ):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.locator("[data-error-page]")).to_have_attribute("data-error-page", "404")
        expect(page.locator("h1")).to_have_text("This page does not exist")
        expect(page.locator("main")).not_to_contain_text("Confidential")
        expect(page.locator("main")).not_to_contain_text(agency.brand.name)

    # The way back leads to their own organisation.
    page.get_by_role("link", name="Go to my dashboard").click()
    expect(page).to_have_url(f"{web.base_url}/o/omega/")
