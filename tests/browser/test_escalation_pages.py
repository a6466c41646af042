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


TEXT = {
    "en": {
        "add": "Add an override",
        "person": "On duty instead",
        "from": "From (local time)",
        "until": "Until (local time)",
        "save": "Add the override",
        "added": "Override added.",
        "remove": "Remove",
        "confirm": "Remove the override",
        "removed": "Override removed.",
        "none": "No override: the rotation decides.",
        "later": "The override must end after it starts.",
    },
    "ru": {
        "add": "Добавить замену",
        "person": "Дежурит вместо",
        "from": "С (местное время)",
        "until": "До (местное время)",
        "save": "Сохранить замену",
        "added": "Замена добавлена.",
        "remove": "Снять",
        "confirm": "Снять замену",
        "removed": "Замена снята.",
        "none": "Замен нет: дежурного определяет график.",
        "later": "Замена должна заканчиваться позже, чем начинается.",
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_manager_adds_an_override_and_removes_it_after_confirming(web, agency, language) -> None:
    from django.utils import timezone

    from incidents.notifications import escalation
    from incidents.notifications.models import RotaOverride

    text = TEXT[language]
    responder, viewer = agency.member("responder"), agency.member("viewer")
    rota = escalation.rota_save(
        team=agency.team,
        by=agency.member("manager"),
        member_ids=[responder.id],
        starts_at=timezone.now() - timezone.timedelta(days=1),
        time_zone="Europe/Moscow",
        rotation="weekly",
        shift_hours=168,
    )
    for width in (1440, 390):
        page = web.page(
            web.context(
                agency.member("manager").user,
                locale=language,
                extra_http_headers={"Accept-Language": language},
            )
        )
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/o/alpha/rotas/")
        card = page.locator(f'[data-overrides="{agency.team.name}"]')
        expect(card).to_contain_text(text["none"])
        row = page.locator(f'tr[data-rota="{agency.team.name}"]')
        expect(row.locator("[data-on-duty]")).to_have_text("alpha-responder")

        # An override that ends before it starts is refused beside its field.
        card.locator("summary", has_text=text["add"]).click()
        form = card.locator("form[data-override-form]")
        form.get_by_label(text["person"]).select_option(label="alpha-viewer")
        form.get_by_label(text["from"]).fill("2030-01-05T09:00")
        form.get_by_label(text["until"]).fill("2030-01-04T09:00")
        form.get_by_role("button", name=text["save"]).click()
        expect(card).to_contain_text(text["later"])
        assert not RotaOverride.objects.exists()

        # The viewer on duty from yesterday to tomorrow: the rota says so at once.
        local = timezone.localtime(timezone.now(), escalation.zone("Europe/Moscow"))
        form.get_by_label(text["from"]).fill(
            (local - timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        )
        form.get_by_label(text["until"]).fill(
            (local + timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        )
        form.get_by_role("button", name=text["save"]).click()
        expect(page.locator(".messages")).to_contain_text(text["added"])
        expect(row.locator("[data-on-duty]")).to_have_text("alpha-viewer")
        override = card.locator('[data-override="alpha-viewer"]')
        expect(override).to_have_count(1)
        assert RotaOverride.objects.get().membership_id == viewer.id
        web.assert_fits(page, width)

        # Removing asks first, saying what happens; cancelling changes nothing.
        override.get_by_role("button", name=text["remove"]).click()
        expect(page.locator("main h1")).to_contain_text("alpha-viewer")
        page.locator("main").get_by_role("link").last.click()
        expect(row.locator("[data-on-duty]")).to_have_text("alpha-viewer")
        override.get_by_role("button", name=text["remove"]).click()
        page.get_by_role("button", name=text["confirm"]).click()
        expect(page.locator(".messages")).to_contain_text(text["removed"])
        expect(row.locator("[data-on-duty]")).to_have_text("alpha-responder")
        assert not RotaOverride.objects.filter(rota=rota).exists()


def test_a_viewer_reads_the_overrides_but_cannot_change_them(web, agency) -> None:
    from django.utils import timezone

    from incidents.notifications import escalation

    rota = escalation.rota_save(
        team=agency.team,
        by=agency.member("manager"),
        member_ids=[agency.member("responder").id],
        starts_at=timezone.now() - timezone.timedelta(days=1),
        time_zone="Europe/Moscow",
        rotation="weekly",
        shift_hours=168,
    )
    escalation.rota_override_add(
        rota=rota,
        membership=agency.member("viewer"),
        starts_at=timezone.now() - timezone.timedelta(hours=1),
        ends_at=timezone.now() + timezone.timedelta(hours=5),
    )
    page = web.page(web.context(agency.member("viewer").user, locale="en"))
    page.goto("/o/alpha/rotas/")
    card = page.locator(f'[data-overrides="{agency.team.name}"]')
    expect(card.locator('[data-override="alpha-viewer"]')).to_contain_text("now")
    expect(card.get_by_role("button", name="Remove")).to_have_count(0)
    expect(card.locator("form[data-override-form]")).to_have_count(0)
