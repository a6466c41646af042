"""Layout a person can use at a desktop (1440 px) and a phone (390 px), in English and Russian:
the top bar in one row on a desktop and folded behind a Menu button on a phone, the board's
filters folded on a phone, and tables that scroll inside their card instead of clipping."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Status
from incidents.monitoring.models import MentionBucket

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

TEXT = {
    "en": {"menu": "Menu", "setup": "Set-up", "brands": "Brands", "filters": "Filters"},
    "ru": {"menu": "Меню", "setup": "Настройка", "brands": "Бренды", "filters": "Фильтры"},
}

# The top of every visible link and button of the bar: one row means one distinct top (give
# or take the few pixels of their differing heights).
BAR_ROWS = """() => {
  const tops = [...document.querySelectorAll('.topbar a, .topbar button, .topbar summary')]
    .filter((e) => e.checkVisibility())
    .map((e) => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; });
  const rows = [];
  for (const t of tops.sort((a, b) => a - b)) {
    if (!rows.length || t - rows[rows.length - 1] > 12) rows.push(t);
  }
  return rows.length;
}"""

# Each table either fits its container or sits in one that scrolls sideways.
TABLES_CONTAINED = """() => [...document.querySelectorAll('main table')].filter((t) => t.offsetParent !== null)
  .map((t) => {
    const box = t.parentElement;
    const style = getComputedStyle(box);
    return {fits: t.scrollWidth <= box.clientWidth + 1, scrolls: style.overflowX === 'auto'};
  }).filter((t) => !t.fits && !t.scrolls).length"""


def _page(web, user, language: str, width: int):
    context = web.context(user, locale=language, extra_http_headers={"Accept-Language": language})
    page = web.page(context)
    page.set_viewport_size({"width": width, "height": 900})
    return page


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_top_bar_fits_one_row_on_a_desktop(web, agency, language) -> None:
    page = _page(web, agency.member("owner").user, language, 1440)
    text = TEXT[language]
    for path in ("/o/alpha/", "/o/alpha/incidents/", "/o/alpha/mentions/", "/o/alpha/teams/"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert page.evaluate(BAR_ROWS) == 1, path
        assert page.locator(".topbar").bounding_box()["height"] < 64, path
        expect(page.get_by_role("button", name=text["menu"])).to_be_hidden()
    # The set-up pages are one menu away; Escape folds it again.
    setup = page.get_by_role("button", name=text["setup"])
    expect(setup).to_have_attribute("data-current", "")  # the teams page is one of them
    brands = page.locator(".topbar").get_by_role("link", name=text["brands"], exact=True)
    expect(brands).to_be_hidden()
    setup.click()
    expect(setup).to_have_attribute("aria-expanded", "true")
    expect(brands).to_be_visible()
    page.keyboard.press("Escape")
    expect(brands).to_be_hidden()
    setup.click()
    brands.click()
    expect(page).to_have_url("/o/alpha/brands/")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_top_bar_folds_behind_a_menu_button_on_a_phone(web, agency, language) -> None:
    page = _page(web, agency.member("owner").user, language, 390)
    text = TEXT[language]
    page.goto("/o/alpha/incidents/")
    menu = page.get_by_role("button", name=text["menu"])
    nav = page.get_by_role("navigation", name="Main" if language == "en" else "Основное меню")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert page.evaluate(BAR_ROWS) == 1
    assert page.locator(".topbar").bounding_box()["height"] < 64
    # Unfolded, every page is listed, the set-up ones too (no second menu on a phone).
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name=text["setup"])).to_be_hidden()
    nav.get_by_role("link", name=text["brands"], exact=True).click()
    expect(page).to_have_url("/o/alpha/brands/")
    web.assert_fits(page, 390)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_board_on_a_phone_folds_its_filters(web, agency, language) -> None:
    services.incident_create(
        brand=agency.brand,
        title="Courier strike",
        severity="sev2",
        by=agency.member("owner"),
    )
    text = TEXT[language]
    for width in (1440, 390):
        page = _page(web, agency.member("responder").user, language, width)
        page.goto("/o/alpha/incidents/")
        filters = page.locator("#board-filters")
        expect(filters.locator("summary")).to_contain_text(text["filters"])
        if width == 390:
            # The first screen shows the incidents, not the filters.
            expect(filters).not_to_have_attribute("open", "")
            expect(page.locator("#board-rows tr").first).to_be_in_viewport()
            filters.locator("summary").click()
        expect(filters).to_have_attribute("open", "")
        filters.locator("select").first.select_option(label=agency.brand.name)
        filters.locator("button[type=submit]").click()
        expect(page.locator("#board-rows tr")).to_have_count(1)
        web.assert_fits(page, width)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_post_mortem_tables_scroll_inside_their_card(web, agency, language) -> None:
    owner = agency.member("owner")
    incident = services.incident_create(
        brand=agency.brand, title="Ambassador backlash", severity="sev2", by=owner
    )
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for hours_ago, (total, negative) in enumerate([(40, 31), (25, 12), (9, 2), (5, 1)]):
        MentionBucket.objects.create(
            organisation=agency.org,
            brand=agency.brand,
            bucket_start=hour - timedelta(hours=hours_ago),
            total=total,
            negative=negative,
        )
    services.incident_acknowledge(incident=incident, by=owner)
    incident = services.incident_transition(incident=incident, status=Status.RESOLVED, by=owner)
    for width in (1440, 390):
        page = _page(web, owner.user, language, width)
        page.goto(f"/o/alpha/postmortems/{incident.postmortem.pk}/")
        expect(page.locator("#pm-mentions table")).to_have_count(1)
        assert page.evaluate(TABLES_CONTAINED) == 0
        web.assert_fits(page, width)


def test_long_unbroken_words_wrap_instead_of_widening_the_page(web, agency) -> None:
    """A pasted URL, hash or "!!!!!…" in a title, summary, note or statement wrapped nowhere:
    the dashboard of a 1440 px screen scrolled 5,020 px wide and the incident room 36,016 px
    (a 3,000-character note), the dialogs' backdrop covering only the first screen."""
    from templates import services as template_services
    from templates.services import statements

    manager, responder = agency.member("manager"), agency.member("responder")
    incident = services.incident_create(
        brand=agency.brand,
        title="Ж" * 300,
        summary="S" * 2000,
        severity="sev2",
        by=manager,
        teams=[agency.team],
    )
    services.incident_add_note(incident=incident, by=manager, text="N" * 3000)
    response = template_services.response_create(
        incident=incident,
        by=responder,
        channel="website",
        body="Ю" * 3000,
    )
    template_services.response_submit(response=response, by=responder)
    template_services.response_approve(response=response, by=manager)
    template_services.response_publish(response=response, by=manager, url="https://example.com/")
    public_page = statements.statement_page_publish(incident=incident, by=manager)
    for width in (1440, 390):
        page = _page(web, manager.user, "ru", width)
        for path in ("/o/alpha/", f"/o/alpha/incidents/{incident.pk}/"):
            page.goto(path)
            web.assert_fits(page, width)
        public = web.page(web.context(locale="ru"))
        public.set_viewport_size({"width": width, "height": 900})
        public.goto(public_page.path)
        expect(public.locator("body")).to_contain_text("ЮЮЮ")
        web.assert_fits(public, width)
