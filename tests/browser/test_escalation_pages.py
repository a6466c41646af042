"""The duty rota and escalation policy pages in the browser: a manager sets the team's rota and
sees who is on duty, then writes a policy whose levels are listed; the Russian page too."""

import re

import pytest

from incidents.notifications.models import DutyRota, EscalationPolicy

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]


def test_a_manager_sets_a_rota_and_a_policy(web, agency) -> None:
    page = web.page(web.context(agency.member("manager").user, locale="en"))
    page.goto("/o/alpha/rotas/")
    expect(page.locator("main h1")).to_have_text("Duty rotas")

    form = page.locator("form[data-rota-form]")
    form.get_by_label("Team").select_option(label=agency.team.name)
    form.get_by_label("alpha-responder").check()
    form.get_by_label("alpha-viewer").check()
    form.get_by_label("Time zone").fill("Europe/Moscow")
    form.get_by_label("First handover (local time)").fill("2026-01-05T09:00")
    form.get_by_role("button", name="Save the rota").click()

    row = page.locator(f'tr[data-rota="{agency.team.name}"]')
    expect(row).to_contain_text("alpha-responder, alpha-viewer")
    expect(row.locator("[data-on-duty]")).to_have_text(re.compile("alpha-(responder|viewer)"))
    assert DutyRota.objects.get().time_zone == "Europe/Moscow"

    page.get_by_role("link", name="Escalation policies").click()
    form = page.locator("form[data-policy-form]")
    form.get_by_label("Name").fill("Evenings")
    form.get_by_label("Level 1").select_option("on_duty")
    form.get_by_label("Level 2").select_option("team")
    form.get_by_label("Level 3").select_option("owners")
    form.get_by_label("Quiet hours from").fill("22:00")
    form.get_by_label("Quiet hours until").fill("08:00")
    form.get_by_role("button", name="Save the policy").click()

    row = page.locator('tr[data-policy="Evenings"]')
    expect(row).to_contain_text("The person on duty after 0 min")
    expect(row).to_contain_text("The whole team after 10 min")
    expect(row).to_contain_text("22:00–08:00")
    policy = EscalationPolicy.objects.get()
    assert [level.target for level in policy.levels.all()] == ["on_duty", "team", "owners"]

    russian = web.page(
        web.context(
            agency.member("viewer").user,
            locale="ru",
            extra_http_headers={"Accept-Language": "ru"},
        )
    )
    russian.goto("/o/alpha/escalation/")
    expect(russian.locator("main h1")).to_have_text("Политики эскалации")
    expect(russian.locator('tr[data-policy="Evenings"]')).to_contain_text("Дежурный")
    expect(russian.locator("form[data-policy-form]")).to_have_count(0)  # viewers read only
