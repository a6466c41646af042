"""(e) Switching the language to Russian shows the board and the incident room in Russian,
and the choice is remembered for the person, on another device too."""

import pytest

from incidents import services
from tenants.models import UserProfile

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]


def test_switching_to_russian_translates_the_board_and_the_room(web, agency) -> None:
    services.incident_create(
        brand=agency.brand,
        title="Delivery complaints",
        severity="sev2",
        by=agency.member("manager"),
        teams=[agency.team],
    )
    responder = agency.member("responder").user
    page = web.page(web.context(responder))
    page.goto("/o/alpha/incidents/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text("Incident board")

    page.get_by_role("button", name="RU").click()

    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("main h1")).to_have_text("Доска инцидентов")
    expect(page.get_by_role("link", name="Дашборд")).to_be_visible()
    row = page.locator("#board-rows tr", has_text="Delivery complaints")
    expect(row).to_contain_text("Обнаружен")
    expect(row).to_contain_text("SEV2 — серьёзный")

    row.get_by_role("link", name="Delivery complaints").click()
    expect(page.locator("#timeline-title")).to_have_text("Хронология")
    expect(page.get_by_role("button", name="Подтвердить получение")).to_be_visible()
    expect(page.locator("#incident-header")).to_contain_text("Бренд")
    expect(page.locator("#timeline")).to_contain_text("открыл(а) инцидент")
    assert UserProfile.objects.get(user=responder).language == "ru"

    # Remembered for the person: a new browser (no language cookie) opens in Russian.
    other_device = web.page(web.context(responder))
    other_device.goto("/o/alpha/incidents/")
    expect(other_device.locator("html")).to_have_attribute("lang", "ru")
    expect(other_device.locator("main h1")).to_have_text("Доска инцидентов")
    web.last_page = page
