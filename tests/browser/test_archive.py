"""The incident archive in the browser: from the board's status filter to a closed incident,
in English and Russian, on a desktop (1440 px) and a phone (390 px)."""

import pytest
from django.utils import timezone

from tests.factories import IncidentFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

TEXT = {
    "en": {"closed": "Closed", "apply": "Apply", "archive": "Incident archive", "search": "Search"},
    "ru": {
        "closed": "Закрыт",
        "apply": "Применить",
        "archive": "Архив инцидентов",
        "search": "Найти",
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_closed_incident_is_found_from_the_board(web, agency, language) -> None:
    now = timezone.now()
    IncidentFactory(
        brand=agency.brand,
        title="Recall of the spring line",
        status="closed",
        resolved_at=now,
        closed_at=now,
    )
    IncidentFactory(brand=agency.brand, title="Courier strike", status="resolved", resolved_at=now)
    text = TEXT[language]
    for width in (1440, 390):
        context = web.context(
            agency.member("viewer").user,
            locale=language,
            extra_http_headers={"Accept-Language": language},
        )
        page = web.page(context)
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/o/alpha/incidents/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("#board-rows tr")).to_have_count(0)

        # The board's status filter offers the closed status; choosing it opens the archive.
        # On a phone the board's filters are folded behind their summary.
        board_filters = page.locator("#board-filters")
        if width == 390:
            expect(board_filters).not_to_have_attribute("open", "")
            board_filters.locator("summary").click()
        board_filters.get_by_label(text["closed"], exact=True).check()
        board_filters.get_by_role("button", name=text["apply"]).click()
        expect(page).to_have_url("/o/alpha/incidents/archive/?status=closed")
        expect(page.locator("main h1")).to_have_text(text["archive"])
        rows = page.locator("#archive-rows tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Recall of the spring line")
        web.assert_fits(page, width)

        # The filters are folded on a phone (they would fill its first screen), open on a desktop.
        filters = page.locator("#archive-filters")
        if width == 390:
            expect(filters).not_to_have_attribute("open", "")
            filters.locator("summary").click()
        expect(filters).to_have_attribute("open", "")

        # Words search every status: the resolved one is found, then opened.
        page.goto("/o/alpha/incidents/archive/")
        if width == 390:
            filters.locator("summary").click()
        page.get_by_role("searchbox").fill("courier")
        page.locator("#archive-filters").get_by_role("button", name=text["search"]).click()
        expect(rows).to_have_count(1)
        rows.first.get_by_role("link", name="Courier strike").click()
        expect(page.locator("#incident-header h1")).to_have_text("Courier strike")
        page.go_back()
        web.last_page = page
