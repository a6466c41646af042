"""The mention browser in the browser: filter, correct one mention in one click (htmx swaps
its row), then correct and link the chosen ones in bulk, in English and Russian."""

import pytest

from incidents.monitoring.models import Mention
from tests.factories import IncidentFactory, MentionFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

TEXT = {
    "en": {
        "title": "Mentions",
        "search": "Search",
        "negative": "negative",
        "human": "Corrected by staff",
        "link": "Link to the incident",
        "linked": "2 mentions linked to the incident.",
        "correct": "Correct the sentiment",
        "corrected": "1 mention corrected.",
    },
    "ru": {
        "title": "Упоминания",
        "search": "Найти",
        "negative": "негативная",
        "human": "Исправлено сотрудником",
        "link": "Привязать к инциденту",
        "linked": "2 упоминания привязаны к инциденту.",
        "correct": "Исправить тональность",
        "corrected": "Исправлено 1 упоминание.",
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_filter_correct_in_one_click_and_link_in_bulk(web, agency, language) -> None:
    text = TEXT[language]
    incident = IncidentFactory(brand=agency.brand, title="Courier strike")
    late = MentionFactory(brand=agency.brand, text="courier late again", sentiment_label="neutral")
    lost = MentionFactory(brand=agency.brand, text="courier lost my parcel")
    MentionFactory(brand=agency.brand, text="lovely coffee", sentiment_label="positive")
    context = web.context(
        agency.member("responder").user,
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    page = web.page(context)
    page.goto("/o/alpha/mentions/")
    expect(page.locator("main h1")).to_have_text(text["title"])
    rows = page.locator("#mention-rows > li")
    expect(rows).to_have_count(3)

    page.get_by_role("searchbox").fill("courier")
    page.locator("#mention-filters").get_by_role("button", name=text["search"]).click()
    expect(rows).to_have_count(2)

    # One click: the row is swapped in place and says who labelled it.
    row = page.locator(f"#mention-{late.id}")
    row.get_by_role("button", name=text["negative"], exact=True).click()
    expect(page.locator(f"#mention-{late.id} .mention__source")).to_have_text(text["human"])
    expect(page.locator("#mention-rows > li")).to_have_count(2)  # no reload, still filtered

    # In bulk: choose one, correct it; choose both, link them to the incident.
    page.locator(f"#mention-{lost.id} input[type=checkbox]").check()
    page.get_by_role("button", name=text["correct"]).click()
    expect(page.locator(".message").first).to_contain_text(text["corrected"])
    for mention in (late, lost):
        page.locator(f"#mention-{mention.id} input[type=checkbox]").check()
    page.get_by_role("button", name=text["link"]).click()
    expect(page.locator(".message").first).to_contain_text(text["linked"])
    assert set(Mention.objects.filter(incident=incident).values_list("id", flat=True)) == {
        late.id,
        lost.id,
    }
    assert Mention.objects.filter(sentiment_source="human").count() == 2
    web.last_page = page
