"""Imports in the browser (Russian): a responder uploads a listening tool's CSV export, maps
its columns on the mapping step, starts it and reads the report of refused lines; a running
import's progress bar follows the worker by itself until the report appears."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.monitoring.models import ImportPreset, Mention, MentionImport
from incidents.monitoring.services import imports as import_services

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.postgres, pytest.mark.browser]


def export() -> bytes:
    when = (timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return (
        "Площадка,ID,Автор,Текст,Дата\n"
        f"vk,ba-1,Анна,Отличный кофе и быстрый сервис,{when}\n"
        f"telegram,ba-2,Канал,Открылся новый магазин,{when}\n"
        f"myspace,ba-3,Кто-то,Неизвестная площадка,{when}\n"
        "vk,ba-4,Борис,Без даты,\n"
    ).encode()


def test_upload_map_and_read_the_report(web, agency) -> None:
    context = web.context(
        agency.member("responder").user, locale="ru", extra_http_headers={"Accept-Language": "ru"}
    )
    page = web.page(context)
    page.goto("/o/alpha/mentions/")
    page.get_by_role("link", name="Импортировать файл").click()
    expect(page.get_by_role("heading", name="Импорт упоминаний")).to_be_visible()

    page.locator('input[name="file"]').set_input_files(
        {"name": "brand-analytics.csv", "mimeType": "text/csv", "buffer": export()}
    )
    page.locator('select[name="brand"]').select_option(str(agency.brand.pk))
    page.get_by_role("button", name="Загрузить и сопоставить столбцы").click()

    mapping = page.locator("#import-mapping")
    expect(mapping.get_by_role("heading", name="2. Сопоставьте столбцы")).to_be_visible()
    for field, column in (
        ("platform", "площадка"),
        ("external_id", "id"),
        ("author", "автор"),
        ("text", "текст"),
        ("posted_at", "дата"),
    ):
        mapping.locator(f'select[name="map.{field}"]').select_option(column)
    mapping.locator('input[name="save_as"]').fill("Brand Analytics")
    mapping.get_by_role("button", name="Начать импорт").click()

    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("data-import-state", "done")
    expect(progress).to_contain_text("4 из 4 строк")
    expect(progress).to_contain_text("сохранено 2 упоминания")
    expect(progress.get_by_role("heading", name="2 отклонённые строки")).to_be_visible()
    rows = progress.locator("[data-refused-lines] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td").first).to_have_text("4")
    expect(rows.nth(1).locator("td").first).to_have_text("5")
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["ba-1", "ba-2"]
    assert ImportPreset.objects.get().name == "Brand Analytics"


def test_the_progress_bar_follows_a_running_import(web, agency) -> None:
    running = import_services.mention_import_upload(
        brand=agency.brand, by=None, file_name="big.csv", content=export()
    )
    MentionImport.objects.filter(pk=running.pk).update(state="running", rows_total=4, rows_done=1)
    context = web.context(
        agency.member("viewer").user, locale="ru", extra_http_headers={"Accept-Language": "ru"}
    )
    page = web.page(context)
    page.goto(f"/o/alpha/imports/{running.pk}/")
    bar = page.locator("#import-progress progress")
    expect(bar).to_have_attribute("value", "1")
    expect(page.locator("#import-progress")).to_contain_text("1 из 4 строк")

    MentionImport.objects.filter(pk=running.pk).update(rows_done=3, created=3)
    expect(page.locator("#import-progress")).to_contain_text("3 из 4 строк")
    MentionImport.objects.filter(pk=running.pk).update(
        state="done",
        rows_done=4,
        created=3,
        refused=[{"line": 5, "reason": "posted_at: обязательное поле."}],
        refused_count=1,
    )

    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("data-import-state", "done")
    expect(progress.locator("progress")).to_have_attribute("value", "4")
    expect(progress.locator("[data-refused-lines] tbody tr")).to_have_count(1)
    expect(progress).to_contain_text("обязательное поле")
