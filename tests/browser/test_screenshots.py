"""Screenshots of the main pages at a desktop (1440 px) and a phone (390 px) width, in English
and Russian, on the demo agency of `make run` (tenants.demo.seed_demo), signed in as its
manager. Regenerate them with

    SCREENSHOTS=1 DATABASE_URL=postgres://… .venv/bin/pytest tests/browser/test_screenshots.py

which writes docs/screenshots/<page>-<width>-<language>.jpg (the first screen; the README links
them). Without SCREENSHOTS=1 the test still walks every page at both widths in both languages
and checks that none scrolls sideways."""

import os

import pytest

from incidents.models import Incident
from incidents.postmortems.models import PostMortem
from tenants.demo import seed_demo
from tenants.models import Membership

from .conftest import ROOT

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

SHOTS = ROOT / "docs" / "screenshots"


def _pages(slug: str) -> list[tuple[str, str]]:
    incident = Incident.objects.filter(organisation__slug=slug, resolved_at__isnull=True).order_by(
        "severity", "id"
    )[0]
    postmortem = PostMortem.objects.filter(organisation__slug=slug).order_by("id").first()
    pages = [
        ("dashboard", f"/o/{slug}/"),
        ("board", f"/o/{slug}/incidents/"),
        ("incident", f"/o/{slug}/incidents/{incident.pk}/"),
        ("mentions", f"/o/{slug}/mentions/"),
        ("rotas", f"/o/{slug}/rotas/"),
    ]
    if postmortem is not None:
        pages.append(("postmortem", f"/o/{slug}/postmortems/{postmortem.pk}/"))
    return pages


def test_main_pages_at_both_widths(web) -> None:
    organisation = seed_demo()
    manager = Membership.objects.get(organisation=organisation, user__username="demo-manager")
    write = os.environ.get("SCREENSHOTS") == "1"
    if write:
        SHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("en", "ru"):
        context = web.context(
            manager.user, locale=language, extra_http_headers={"Accept-Language": language}
        )
        page = web.page(context)
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
            for name, path in _pages(organisation.slug):
                page.goto(path)
                expect(page.locator("html")).to_have_attribute("lang", language)
                web.assert_fits(page, width)
                if write:
                    page.screenshot(
                        path=str(SHOTS / f"{name}-{width}-{language}.jpg"), type="jpeg", quality=80
                    )
