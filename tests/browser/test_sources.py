"""Sources in the browser: a manager adds an RSS source to a brand (a local feed server),
polls it, and sees its mentions and its health, in English and Russian."""

from collections.abc import Iterator

import pytest
from django.utils import timezone

from tests.fakes.rss import FeedServer

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

TEXT = {
    "en": {"add": "Add source", "poll": "Poll now", "ok": "OK", "feed": "RSS / Atom feed"},
    "ru": {
        "add": "Добавить источник",
        "poll": "Опросить сейчас",
        "ok": "Работает",
        "feed": "Лента RSS / Atom",
    },
}


@pytest.fixture
def feed(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """Started before the web server, whose environment lets it reach this port."""
    server = FeedServer()
    with server.running():
        monkeypatch.setenv("OUTBOUND_ALLOW_HOSTS", server.hostport)
        yield server


@pytest.mark.parametrize("language", ["en", "ru"])
def test_add_an_rss_source_poll_it_and_see_its_mentions(feed, web, agency, language) -> None:
    feed.add(
        "g-1", "Северный кофе закрыл кафе", "<p>Ужасно, отвратительный сервис</p>", timezone.now()
    )
    feed.add("g-2", "Coffee fans queue", "Lovely new menu", timezone.now())
    text = TEXT[language]
    context = web.context(
        agency.member("manager").user,
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    page = web.page(context)
    page.goto(f"/o/alpha/brands/{agency.brand.pk}/")
    section = page.locator("#section-sources")
    expect(section.locator("[data-latest-mentions] li")).to_have_count(1)  # "no mentions yet"

    add = section.locator('[data-add-source="rss"]')
    add.locator("summary").click()
    add.locator('input[name="name"]').fill("City news")
    add.locator('input[name="config.url"]').fill(feed.url + "/rss.xml")
    add.get_by_role("button", name=text["add"]).click()

    row = page.locator("#section-sources tr[data-source]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("City news")
    expect(row).to_contain_text(text["feed"])

    page.locator("#section-sources").get_by_role("button", name=text["poll"]).click()
    row = page.locator("#section-sources tr[data-source]")
    expect(row.locator("[data-state]")).to_have_text(text["ok"])
    expect(row.locator("[data-fetched]")).to_have_text("2")
    latest = page.locator("#section-sources [data-latest-mentions] li")
    expect(latest).to_have_count(2)
    expect(page.locator("#section-sources [data-latest-mentions]")).to_contain_text(
        "Северный кофе закрыл кафе"
    )
    assert feed.calls("/rss.xml")
