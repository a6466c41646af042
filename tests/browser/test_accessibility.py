"""axe-core on the main pages, in English and Russian, at a desktop (1440 px) and a phone
(390 px) width: the dashboard, the board, the incident room (and its dialogs), the mention
browser, the post-mortem editor and the sign-in page have no serious or critical violation."""

import pytest

from incidents.models import Incident
from incidents.monitoring.models import Mention
from incidents.postmortems.models import PostMortem
from tenants.demo import seed_demo
from tenants.models import Membership

from .a11y import serious_violations

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]


def _pages(slug: str) -> list[tuple[str, str]]:
    incident = Incident.objects.filter(organisation__slug=slug, resolved_at__isnull=True).order_by(
        "severity", "id"
    )[0]
    # Evidence in the room: some of the brand's mentions linked to it.
    ids = list(
        Mention.objects.filter(organisation__slug=slug, brand=incident.brand).values_list(
            "id", flat=True
        )[:25]
    )
    Mention.objects.filter(id__in=ids).update(incident=incident)
    postmortem = PostMortem.objects.filter(organisation__slug=slug).order_by("id").first()
    assert postmortem is not None, "the demo has a resolved incident with its post-mortem"
    return [
        ("dashboard", f"/o/{slug}/"),
        ("board", f"/o/{slug}/incidents/"),
        ("incident room", f"/o/{slug}/incidents/{incident.pk}/"),
        ("mention browser", f"/o/{slug}/mentions/"),
        ("post-mortem editor", f"/o/{slug}/postmortems/{postmortem.pk}/"),
    ]


def _check(page, where: str, found: dict) -> None:
    violations = serious_violations(page)
    if violations:
        found[where] = violations


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_main_pages_have_no_serious_accessibility_violation(web, language) -> None:
    organisation = seed_demo()
    pages = _pages(organisation.slug)
    responder = Membership.objects.get(organisation=organisation, user__username="demo-responder")
    headers = {"Accept-Language": language}
    signed_in = web.page(web.context(responder.user, locale=language, extra_http_headers=headers))
    anonymous = web.page(web.context(locale=language, extra_http_headers=headers))
    found: dict[str, list] = {}
    for width in (1440, 390):
        for page in (signed_in, anonymous):
            page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages:
            signed_in.goto(path)
            expect(signed_in.locator("html")).to_have_attribute("lang", language)
            _check(signed_in, f"{name} at {width} px", found)
            if name == "incident room":
                # Each of the room's dialogs, open.
                for dialog in ("severity", "assign", "note"):
                    signed_in.locator(f'#incident-header [data-action="{dialog}"]').click()
                    expect(signed_in.locator(f"#dialog-{dialog}")).to_be_visible()
                    _check(signed_in, f"{name}, {dialog} dialog, at {width} px", found)
                    signed_in.keyboard.press("Escape")
            if width == 390:
                menu = signed_in.locator("[data-nav-toggle]")
                menu.click()
                expect(menu).to_have_attribute("aria-expanded", "true")
                _check(signed_in, f"{name} with the menu open at {width} px", found)
        anonymous.goto("/login/")
        expect(anonymous.locator("html")).to_have_attribute("lang", language)
        _check(anonymous, f"sign-in at {width} px", found)
    web.last_page = signed_in
    assert not found, found
