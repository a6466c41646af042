"""The incident room as a war room, in English and Russian, at 1440 and 390 px: status,
severity, SLA clocks and the next action at the top; the evidence stream (80 linked mentions,
20 a page, filterable, new ones arriving live) and the velocity chart with its baseline as the
main column; the timeline filtered by kind; the forms in dialogs opened by their buttons."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.monitoring.models import MentionBucket
from incidents.monitoring.services.linking import mentions_link
from tests.factories import MentionFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

TEXT = {
    "en": {
        "next": "Acknowledge it",
        "evidence": "Evidence: 80 linked mentions",
        "sentiment": "Sentiment",
        "show": "Show",
        "older": "Older →",
        "severity": "Change severity",
        "note": "Add note",
        "notes": "Notes",
        "everything": "Everything",
        "baseline": "usual level",
    },
    "ru": {
        "next": "Подтвердите его",
        "evidence": "Доказательства: 80 привязанных упоминаний",
        "sentiment": "Тональность",
        "show": "Показать",
        "older": "Старше →",
        "severity": "Изменить критичность",
        "note": "Добавить заметку",
        "notes": "Заметки",
        "everything": "Всё",
        "baseline": "обычный уровень",
    },
}


def _crisis(agency):
    manager = agency.member("manager")
    incident = services.incident_create(
        brand=agency.brand,
        title="Courier strike",
        severity="sev2",
        by=manager,
        teams=[agency.team],
    )
    now = timezone.now()
    platforms = ["vk", "telegram", "x", "news"]
    for i in range(80):
        MentionFactory(
            brand=agency.brand,
            incident=incident,
            platform=platforms[i % 4],
            author=f"author{i}",
            text=f"Post number {i} about the courier strike",
            reach=100 * i,
            sentiment_label="negative" if i % 2 else "neutral",
            sentiment_score=-0.8 if i % 2 else 0.0,
            posted_at=now - timedelta(minutes=80 - i),
        )
    # The brand's usual week (the baseline) and the spike around the incident.
    minute = now.replace(second=0, microsecond=0)
    for day in range(1, 7):
        MentionBucket.objects.create(
            organisation=agency.org,
            brand=agency.brand,
            bucket_start=minute - timedelta(days=day, hours=3),
            total=30,
            negative=3,
        )
    for minutes_ago, total, negative in [(70, 10, 3), (40, 30, 20), (10, 40, 21)]:
        MentionBucket.objects.create(
            organisation=agency.org,
            brand=agency.brand,
            bucket_start=minute - timedelta(minutes=minutes_ago),
            total=total,
            negative=negative,
        )
    return incident


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_war_room_leads_with_the_evidence(web, agency, language) -> None:
    incident = _crisis(agency)
    text = TEXT[language]
    responder = agency.member("responder")
    room = f"/o/alpha/incidents/{incident.pk}/"
    for width in (1440, 390):
        context = web.context(
            responder.user, locale=language, extra_http_headers={"Accept-Language": language}
        )
        page = web.page(context)
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(room)
        expect(page.locator("html")).to_have_attribute("lang", language)

        # At the top: severity, status, the three SLA clocks and what to do next.
        header = page.locator("#incident-header")
        expect(header.locator(".sev")).to_be_visible()
        expect(header.locator("[data-incident-status]")).to_be_visible()
        expect(header.locator(".clock")).to_have_count(3)
        expect(header.locator("[data-next-action]")).to_contain_text(text["next"])
        expect(header.locator('[data-action="acknowledge"]')).to_be_in_viewport()

        # The evidence: 20 of the 80 a page, the newest first, with platform, author, reach.
        evidence = page.locator("#section-evidence")
        expect(evidence.locator("h2")).to_have_text(text["evidence"])
        rows = evidence.locator("#evidence-list > li")
        expect(rows).to_have_count(20)
        expect(rows.first).to_contain_text("author79")
        expect(rows.first).to_contain_text("7900")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < (4200 if width == 1440 else 9000), height
        web.assert_fits(page, width)

        # The velocity chart carries the brand's usual level as a dashed line.
        chart = page.locator("#section-mentions")
        expect(chart.locator(".chart__baseline")).to_have_count(1)
        expect(chart).to_contain_text(text["baseline"])
        if width == 1440:
            # The main column is the evidence; tasks and responses are beside it.
            main_box = page.locator(".room__main").bounding_box()
            side_box = page.locator(".room__side").bounding_box()
            assert main_box["width"] > side_box["width"] * 1.5
            assert page.locator(".room__side #section-tasks").count() == 1
            assert page.locator(".room__side #section-responses").count() == 1

        # Filtered to negative posts, then the next page.
        evidence.get_by_label(text["sentiment"]).select_option("negative")
        evidence.get_by_role("button", name=text["show"]).click()
        expect(rows).to_have_count(20)
        expect(rows.first).to_contain_text("author79")
        expect(evidence.locator(".sentiment--neutral")).to_have_count(0)
        evidence.get_by_role("link", name=text["older"]).click()
        expect(rows).to_have_count(20)
        expect(rows.first).to_contain_text("author39")
        expect(evidence.get_by_role("link", name=text["older"])).to_have_count(0)


def test_new_evidence_arrives_live_and_the_forms_open_in_dialogs(web, agency) -> None:
    incident = _crisis(agency)
    responder = agency.member("responder")
    page = web.page(web.context(responder.user))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"/o/alpha/incidents/{incident.pk}/")
    expect(page.locator("[data-live-status].is-live")).to_be_visible()
    rows = page.locator("#evidence-list > li")
    expect(rows.first).to_contain_text("author79")

    # A mention linked while the room is open arrives at the top of the stream.
    fresh = MentionFactory(
        brand=agency.brand,
        author="late-reporter",
        text="Still no delivery after three days",
        reach=12000,
        sentiment_label="negative",
        sentiment_score=-0.9,
    )
    mentions_link(
        by=agency.member("manager"),
        incident=incident,
        mention_ids=[fresh.pk],
    )
    expect(rows.first).to_contain_text("late-reporter", timeout=10_000)
    expect(page.locator("#section-evidence h2")).to_have_text("Evidence: 81 linked mentions")

    # Severity in a dialog opened by its button.
    dialog = page.locator("#dialog-severity")
    expect(dialog).to_be_hidden()
    page.locator('#incident-header [data-action="severity"]').click()
    expect(dialog).to_be_visible()
    dialog.get_by_label("Severity").select_option("sev1")
    dialog.get_by_role("button", name="Change severity").click()
    expect(page.locator("#incident-header .sev")).to_contain_text("SEV1")

    # A note in its dialog; the timeline then filtered to notes only.
    page.locator("#section-timeline").get_by_role("button", name="Add note").click()
    note = page.locator("#dialog-note")
    expect(note).to_be_visible()
    note.get_by_label("Note").fill("Courier partner confirms a strike in two cities.")
    note.get_by_role("button", name="Add note").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Courier partner confirms")
    page.get_by_role("button", name="Notes", exact=True).click()
    expect(timeline.locator("li:visible")).to_have_count(1)
    expect(timeline.locator("li:visible")).to_contain_text("Courier partner confirms")
    page.get_by_role("button", name="Everything").click()
    assert timeline.locator("li:visible").count() > 1

    # An empty note comes back with its dialog open and the error beside the field.
    page.locator("#section-timeline").get_by_role("button", name="Add note").click()
    note.get_by_role("button", name="Add note").click()
    expect(note).to_be_visible()
    expect(note.locator("#note_text_error")).to_be_visible()

    # A bar of the chart opens the mention browser on that brand and period.
    page.keyboard.press("Escape")
    bar = page.locator('#section-mentions a[data-bar="negative"]').last
    href = bar.get_attribute("href")
    assert f"brand={agency.brand.pk}" in href and "sentiment=negative" in href
    assert "posted_after=" in href and "posted_before=" in href
    page.goto(href)
    expect(page.locator("main h1")).to_have_text("Mentions")
    expect(page.locator(".mention").first).to_be_visible()
