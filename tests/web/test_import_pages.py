"""The import pages: upload, the mapping step (columns from the file's header, a saved
preset), the progress and the refused lines; refusals; roles; Russian."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from incidents.monitoring.models import ImportPreset, Mention, MentionImport
from incidents.monitoring.services import imports as import_services

pytestmark = pytest.mark.django_db

PAGE = "/o/alpha/imports/"


def export() -> bytes:
    when = (timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return (
        "Площадка;ID;Текст;Дата\n".replace(";", ",")
        + f"vk,b-1,Отличный кофе,{when}\n"
        + f"myspace,b-2,Кто-то,{when}\n"
        + "vk,b-3,Без даты,\n"
    ).encode()


@pytest.fixture
def browser_as(agency):
    def make(role: str) -> Client:
        client = Client()
        client.force_login(
            agency.member(role).user, backend="django.contrib.auth.backends.ModelBackend"
        )
        return client

    return make


def uploaded(client: Client, agency, content: bytes, name: str = "ba.csv", **extra):
    return client.post(
        PAGE,
        {"file": SimpleUploadedFile(name, content), "brand": agency.brand.pk},
        **extra,
    )


def test_upload_map_run_and_report(browser_as, agency, django_capture_on_commit_callbacks) -> None:
    client = browser_as("responder")
    response = uploaded(client, agency, export())
    assert response.status_code == 302
    mention_import = MentionImport.objects.get()
    assert response["Location"] == f"{PAGE}{mention_import.pk}/"
    assert mention_import.state == "draft"
    assert mention_import.columns == ["площадка", "id", "текст", "дата"]

    mapping_page = client.get(response["Location"]).content.decode()
    assert 'name="map.text"' in mapping_page and '<option value="текст">' in mapping_page

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            f"{PAGE}{mention_import.pk}/start/",
            {
                "map.platform": "площадка",
                "map.external_id": "id",
                "map.text": "текст",
                "map.posted_at": "дата",
                "save_as": "Brand Analytics",
            },
        )
    assert started.status_code == 302
    mention_import.refresh_from_db()
    assert (mention_import.state, mention_import.stored, mention_import.refused_count) == (
        "done",
        1,
        2,
    )
    assert ImportPreset.objects.get().mapping["text"] == "текст"
    assert Mention.objects.get().external_id == "b-1"
    report = client.get(f"{PAGE}{mention_import.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "2 отклонённые строки" in report
    assert "data-refused-lines" in report and '<td data-label="Строка">3</td>' in report
    assert "hx-trigger" not in report  # finished: no more polling
    listing = client.get(PAGE).content.decode()
    assert "ba.csv" in listing


def test_a_saved_preset_fills_the_mapping(browser_as, agency) -> None:
    preset = import_services.import_preset_save(
        organisation=agency.org,
        name="BA",
        mapping={"platform": "Площадка", "external_id": "ID", "text": "Текст", "posted_at": "Дата"},
    )
    client = browser_as("responder")
    location = uploaded(client, agency, export())["Location"]
    page = client.get(f"{location}?preset={preset.pk}").content.decode()
    assert '<option value="текст" selected>' in page
    assert f'name="preset" value="{preset.pk}"' in page


def test_a_running_import_polls_its_progress(browser_as, agency) -> None:
    mention_import = import_services.mention_import_upload(
        brand=agency.brand, by=None, file_name="x.csv", content=export()
    )
    MentionImport.objects.filter(pk=mention_import.pk).update(
        state="running", rows_total=3, rows_done=1
    )
    part = browser_as("viewer").get(f"{PAGE}{mention_import.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in part and 'value="1"' in part and 'max="3"' in part


def test_refusals_are_shown_on_the_page(browser_as, agency, settings) -> None:
    client = browser_as("responder")
    bad = uploaded(client, agency, b"\x89PNG\x00\x00", name="x.png", HTTP_ACCEPT_LANGUAGE="ru")
    assert bad.status_code == 400
    assert "Можно импортировать только файлы CSV (UTF-8) и XLSX." in bad.content.decode()
    settings.MENTION_IMPORT_MAX_BYTES = 10
    big = uploaded(client, agency, export())
    assert big.status_code == 413 and "larger than" in big.content.decode()
    settings.MENTION_IMPORT_MAX_BYTES = 20 * 1024 * 1024
    location = uploaded(client, agency, export())["Location"]
    unknown = client.post(
        f"{location}start/",
        {"map.text": "нет такой", "map.platform": "площадка"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert unknown.status_code == 400
    assert "Неизвестный столбец: нет такой" in unknown.content.decode()
    assert MentionImport.objects.get(pk=int(location.rstrip("/").split("/")[-1])).state == "draft"


def test_viewers_read_but_do_not_upload(browser_as, agency) -> None:
    viewer = browser_as("viewer")
    assert viewer.get(PAGE).status_code == 200
    assert uploaded(viewer, agency, export()).status_code == 403
    assert not MentionImport.objects.exists()


def test_another_brand_is_refused_for_a_limited_member(browser_as, agency, outsider) -> None:
    responder = agency.member("responder")
    responder.brands.set([agency.other_brand])
    response = uploaded(browser_as("responder"), agency, export())
    assert response.status_code == 400  # our first brand is not among the choices
    assert not MentionImport.objects.exists()


def test_the_import_pages_in_russian_show_no_english_sentence(
    browser_as, agency, django_capture_on_commit_callbacks
) -> None:
    from tests.web.test_russian_everywhere import _english_in, _english_sentences, _visible_text

    sentences = _english_sentences()
    client = browser_as("responder")
    import_services.import_preset_save(
        organisation=agency.org,
        name="BA",
        mapping={"platform": "Площадка", "external_id": "ID", "text": "Текст", "posted_at": "Дата"},
    )
    # The refused lines' reasons are in the uploader's language.
    location = uploaded(client, agency, export(), HTTP_ACCEPT_LANGUAGE="ru")["Location"]
    pages = [PAGE, location]
    draft_page = client.get(location, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{location}start/",
            {"preset": ImportPreset.objects.get().pk},
            HTTP_ACCEPT_LANGUAGE="ru",
        )
    pages.append(location)
    found = {}
    for number, path in enumerate(pages):
        body = (
            draft_page
            if number == 1
            else client.get(path, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
        )
        assert '<html lang="ru">' in body
        english = _english_in(_visible_text(body), sentences)
        if english:
            found[f"{number}:{path}"] = english
    assert found == {}
    assert (
        "сохранено 1 упоминание" in client.get(location, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    )
