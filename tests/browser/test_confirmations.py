"""Destructive actions ask first, in the person's language, at desktop and phone widths: the
ingest secret is rotated only after confirming, shown once with a copy button, and a reload
neither rotates again nor shows it again."""

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

TEXT = {
    "en": {
        "rotate": "Rotate the secret",
        "stops": "stops working at once",
        "cancel": "Cancel, change nothing",
        "copy": "Copy",
        "copied": "Copied",
        "gone": "shown once and is not shown again",
        "signature": "t=<unix time>,v1=<hex HMAC-SHA256",
    },
    "ru": {
        "rotate": "Заменить секрет",
        "stops": "сразу перестаёт действовать",
        "cancel": "Отменить, ничего не менять",
        "copy": "Копировать",
        "copied": "Скопировано",
        "gone": "показан один раз и больше не показывается",
        "signature": "t=<время unix>,v1=<HMAC-SHA256",
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_rotating_the_ingest_secret_asks_then_shows_it_once(web, agency, language) -> None:
    text = TEXT[language]
    brand = agency.brand
    for width in (1440, 390):
        context = web.context(
            agency.member("manager").user,
            locale=language,
            extra_http_headers={"Accept-Language": language},
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=web.base_url)
        page = web.page(context)
        page.set_viewport_size({"width": width, "height": 900})
        old = brand.ingest_secret
        page.goto(f"/o/alpha/brands/{brand.pk}/")
        page.get_by_role("button", name=text["rotate"]).click()

        # The confirmation says what will happen; cancelling changes nothing.
        expect(page.locator("[data-consequence]")).to_contain_text(text["stops"])
        web.assert_fits(page, width)
        page.get_by_role("link", name=text["cancel"]).click()
        expect(page).to_have_url(f"/o/alpha/brands/{brand.pk}/")
        brand.refresh_from_db()
        assert brand.ingest_secret == old

        page.get_by_role("button", name=text["rotate"]).click()
        page.locator("form.confirm__actions").get_by_role("button", name=text["rotate"]).click()
        expect(page).to_have_url(f"/o/alpha/brands/{brand.pk}/secret/")
        brand.refresh_from_db()
        assert brand.ingest_secret != old
        expect(page.locator("[data-secret]")).to_have_text(brand.ingest_secret)
        expect(page.locator("main")).to_contain_text(text["signature"])
        page.get_by_role("button", name=text["copy"]).click()
        expect(page.get_by_role("button", name=text["copied"])).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == brand.ingest_secret
        web.assert_fits(page, width)

        # A reload does not rotate again and does not show the secret again.
        rotated = brand.ingest_secret
        page.reload()
        expect(page.locator("[data-secret-gone]")).to_contain_text(text["gone"])
        expect(page.locator("[data-secret]")).to_have_count(0)
        brand.refresh_from_db()
        assert brand.ingest_secret == rotated
        web.last_page = page
