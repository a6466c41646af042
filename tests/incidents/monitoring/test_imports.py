"""Imports: a CSV or XLSX export of a listening tool uploaded through the API, with a column
mapping (given or a saved preset), run on the worker; its progress and refused lines; the
refusals of the file as a whole; presets per organisation; the tenant boundary."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook

from incidents.monitoring.models import ImportPreset, Mention, MentionImport
from incidents.monitoring.services import imports as import_services

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/orgs/alpha/imports/"
PRESETS = "/api/v1/orgs/alpha/import-presets/"
# A Brand Analytics-like export: its own Russian column names, one extra column.
HEADER = "Площадка,ID,Автор,Текст,Дата,Охват,Тональность"
BA_MAPPING = {
    "platform": "Площадка",
    "external_id": "ID",
    "author": "Автор",
    "text": "Текст",
    "posted_at": "Дата",
    "reach": "Охват",
}


def when(minutes_ago: int = 5) -> str:
    return (timezone.now() - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def ba_csv() -> bytes:
    lines = [
        HEADER,
        f"vk,p-1,Анна,Отличный кофе,{when()},1500,позитив",
        f"telegram,p-2,Канал,Новый магазин открыт,{when()},20000,нейтрально",
        f"myspace,p-3,Кто-то,Текст,{when()},10,нейтрально",  # an unknown platform: line 4
        "vk,p-4,Борис,Без даты,,5,нейтрально",  # no date: line 5
        f"vk,p-5,Вера,Спасибо за сервис,{when()},-3,позитив",  # negative reach: line 6
    ]
    return ("\n".join(lines) + "\n").encode()


def upload(client, content: bytes, name: str = "export.csv", **fields):
    data = {"file": io.BytesIO(content), **fields}
    data["file"].name = name
    return client.post(IMPORTS, data, format="multipart")


def run_upload(client, django_capture_on_commit_callbacks, content: bytes, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, content, **fields)
    return response


def test_a_csv_export_with_its_own_columns_runs_on_the_worker(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(
            as_role("responder"), ba_csv(), brand=agency.brand.id, mapping=json.dumps(BA_MAPPING)
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "queued" and body["format"] == "csv"
    assert body["columns"] == HEADER.lower().split(",")
    assert not Mention.objects.exists()  # nothing until the worker runs it

    for callback in callbacks:
        callback()

    report = as_role("viewer").get(f"{IMPORTS}{body['id']}/").json()
    assert report["state"] == "done"
    assert (report["rows_total"], report["rows_done"], report["stored"]) == (5, 5, 2)
    assert [r["line"] for r in report["refused"]] == [4, 5, 6]
    assert report["refused_count"] == 3
    assert all(r["reason"] for r in report["refused"])
    assert "platform" in report["refused"][0]["reason"]
    stored = {m.external_id: m for m in Mention.objects.filter(brand=agency.brand)}
    assert set(stored) == {"p-1", "p-2"}
    assert (stored["p-1"].author, stored["p-1"].reach, stored["p-2"].platform) == (
        "Анна",
        1500,
        "telegram",
    )
    row = MentionImport.objects.get(pk=body["id"])
    assert row.content is None and row.created_by == agency.member("responder").user


def test_running_the_task_twice_runs_the_import_once(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    response = run_upload(
        as_role("responder"),
        django_capture_on_commit_callbacks,
        ba_csv(),
        brand=agency.brand.id,
        mapping='{"platform": "Площадка", "external_id": "ID", "text": "Текст", "posted_at": "Дата"}',
    )
    import_id = response.json()["id"]
    again = import_services.mention_import_run(organisation_id=agency.org.id, import_id=import_id)
    assert again is None
    assert Mention.objects.count() == 3  # p-1, p-2 and p-5 (its reach is not mapped)


def test_a_run_whose_worker_died_is_taken_again_after_the_lease(agency) -> None:
    mention_import = import_services.mention_import_create(
        brand=agency.brand, by=None, file_name="x.csv", content=ba_csv(), mapping=BA_MAPPING
    )
    started = timezone.now() - import_services.RUN_LEASE + timedelta(minutes=5)
    MentionImport.objects.filter(pk=mention_import.pk).update(state="running", started_at=started)
    run = import_services.mention_import_run
    assert run(organisation_id=agency.org.id, import_id=mention_import.pk) is None  # alive
    MentionImport.objects.filter(pk=mention_import.pk).update(
        started_at=started - timedelta(minutes=10)
    )
    finished = run(organisation_id=agency.org.id, import_id=mention_import.pk)
    assert finished is not None and (finished.state, finished.stored) == ("done", 2)
    # Another organisation's id never runs it.
    assert run(organisation_id=agency.org.id + 1000, import_id=mention_import.pk) is None


def test_an_xlsx_export_is_imported_the_same_way(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Площадка", "ID", "Автор", "Текст", "Дата", "Охват"])
    posted = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(minutes=3)
    sheet.append(["vk", "x-1", "Анна", "Отличный кофе", posted, 15000])
    sheet.append(["vk", 2, "Борис", "Хороший сервис", posted, 12.0])
    sheet.append([None, None, None, None, None, None])  # a blank row
    sheet.append(["vk", "x-3", "Вера", "Без даты", None, 1])  # line 5: no date
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = run_upload(
        as_role("responder"),
        django_capture_on_commit_callbacks,
        buffer.getvalue(),
        name="export.xlsx",
        brand=agency.brand.id,
        mapping='{"platform": "Площадка", "external_id": "ID", "author": "Автор", '
        '"text": "Текст", "posted_at": "Дата", "reach": "Охват"}',
    )

    assert response.status_code == 202, response.content
    report = as_role("viewer").get(f"{IMPORTS}{response.json()['id']}/").json()
    assert report["format"] == "xlsx" and report["state"] == "done"
    assert (report["rows_total"], report["rows_done"], report["stored"]) == (3, 3, 2)
    assert [r["line"] for r in report["refused"]] == [5]
    first = Mention.objects.get(external_id="x-1")
    assert first.reach == 15000 and first.posted_at == posted.replace(tzinfo=UTC)
    assert Mention.objects.get(external_id="2").reach == 12


def test_a_saved_preset_maps_the_next_upload(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    created = as_role("responder").post(
        PRESETS, {"name": "Brand Analytics", "mapping": BA_MAPPING}, format="json"
    )
    assert created.status_code == 201, created.content
    preset = created.json()
    assert preset["mapping"]["text"] == "текст"  # columns are matched case-insensitively

    response = run_upload(
        as_role("responder"),
        django_capture_on_commit_callbacks,
        ba_csv(),
        brand=agency.brand.id,
        preset=preset["id"],
    )

    body = as_role("viewer").get(f"{IMPORTS}{response.json()['id']}/").json()
    assert body["preset"] == preset["id"] and body["stored"] == 2
    listed = as_role("viewer").get(PRESETS).json()
    assert [p["name"] for p in listed["results"]] == ["Brand Analytics"]
    # The same name again replaces the mapping; a viewer may not write.
    assert as_role("viewer").post(PRESETS, {"name": "x", "mapping": BA_MAPPING}).status_code == 403
    renamed = as_role("responder").patch(f"{PRESETS}{preset['id']}/", {"name": "BA"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "BA"
    assert as_role("responder").delete(f"{PRESETS}{preset['id']}/").status_code == 204
    assert not ImportPreset.objects.exists()


def test_a_file_without_mapping_uses_the_fields_own_names(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    content = f"platform,external_id,text,posted_at\nvk,a-1,Привет,{when()}\n".encode()
    response = run_upload(
        as_role("responder"), django_capture_on_commit_callbacks, content, brand=agency.brand.id
    )
    assert response.status_code == 202
    assert Mention.objects.get().external_id == "a-1"


@pytest.mark.parametrize(
    ("content", "name", "fields", "code", "field"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "picture.png", {}, 400, "file"),
        (b"PK\x03\x04 not really a zip", "export.xlsx", {}, 400, "file"),
        (b"", "empty.csv", {}, 400, "file"),
        (
            HEADER.encode() + b"\n",
            "export.csv",
            {"mapping": '{"text": "Нет такой"}'},
            400,
            "mapping",
        ),
        (HEADER.encode() + b"\n", "export.csv", {"mapping": '{"likes": "ID"}'}, 400, "mapping"),
        (HEADER.encode() + b"\n", "export.csv", {"mapping": '{"text": "Текст"}'}, 400, "mapping"),
        (HEADER.encode() + b"\n", "export.csv", {"mapping": "not json"}, 400, "mapping"),
        (HEADER.encode() + b"\n", "export.csv", {"preset": 999999}, 400, "preset"),
    ],
)
def test_refusals_of_the_file_as_a_whole(
    as_role, agency, content, name, fields, code, field
) -> None:
    response = upload(as_role("responder"), content, name=name, brand=agency.brand.id, **fields)
    assert response.status_code == code, response.content
    assert field in str(response.json())
    assert not MentionImport.objects.exists()


def test_a_file_over_the_limit_is_refused(as_role, agency, settings) -> None:
    settings.MENTION_IMPORT_MAX_BYTES = 100
    response = upload(as_role("responder"), ba_csv(), brand=agency.brand.id)
    assert response.status_code == 413
    assert not MentionImport.objects.exists()


def test_who_may_import_and_into_which_brand(as_role, agency, outsider) -> None:
    assert upload(as_role("viewer"), ba_csv(), brand=agency.brand.id).status_code == 403
    wrong = upload(as_role("responder"), ba_csv(), brand=outsider.brand.id)
    assert wrong.status_code == 400 and "brand" in str(wrong.json())
    limited = agency.member("responder")
    limited.brands.set([agency.other_brand])
    refused = upload(as_role("responder"), ba_csv(), brand=agency.brand.id)
    assert refused.status_code == 400 and "brand" in str(refused.json())
    assert not MentionImport.objects.exists()


def test_another_organisations_import_and_preset_are_not_found(
    api, agency, outsider, django_capture_on_commit_callbacks
) -> None:
    theirs = api(outsider.member("owner").user)
    file = io.BytesIO(ba_csv())
    file.name = "theirs.csv"
    with django_capture_on_commit_callbacks(execute=True):
        body = theirs.post(
            "/api/v1/orgs/omega/imports/",
            {
                "file": file,
                "brand": outsider.brand.id,
                "mapping": json.dumps(BA_MAPPING),
            },
            format="multipart",
        ).json()
    preset = theirs.post(
        "/api/v1/orgs/omega/import-presets/", {"name": "Ours", "mapping": BA_MAPPING}, format="json"
    ).json()
    ours = api(agency.member("owner").user)
    assert ours.get(f"{IMPORTS}{body['id']}/").status_code == 404
    assert ours.get(IMPORTS).json()["results"] == []
    assert ours.get(f"{PRESETS}{preset['id']}/").status_code == 404
    assert ours.delete(f"{PRESETS}{preset['id']}/").status_code == 404
    refused = upload(ours, ba_csv(), brand=agency.brand.id, preset=preset["id"])
    assert refused.status_code == 400 and "preset" in str(refused.json())
    assert ImportPreset.objects.filter(pk=preset["id"]).exists()
    assert MentionImport.objects.get(pk=body["id"]).state == "done"


def test_a_brand_limited_member_sees_only_their_brands_imports(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    response = run_upload(
        as_role("owner"),
        django_capture_on_commit_callbacks,
        ba_csv(),
        brand=agency.brand.id,
        mapping=json.dumps(BA_MAPPING),
    )
    assert response.status_code == 202
    viewer = agency.member("viewer")
    viewer.brands.set([agency.other_brand])
    assert as_role("viewer").get(f"{IMPORTS}{response.json()['id']}/").status_code == 404


def test_refusals_and_refused_lines_in_russian(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    client = as_role("responder")
    bad = client.post(
        IMPORTS,
        {"file": io.BytesIO(b"\x00\x01binary"), "brand": agency.brand.id},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert bad.status_code == 400 and "Можно импортировать только" in str(bad.json())
    content = "platform,external_id,text,posted_at\nvk,a-1,Привет,вчера\n".encode()
    file = io.BytesIO(content)
    file.name = "export.csv"
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            IMPORTS,
            {"file": file, "brand": agency.brand.id},
            format="multipart",
            HTTP_ACCEPT_LANGUAGE="ru",
        )
    report = client.get(f"{IMPORTS}{started.json()['id']}/").json()
    assert report["refused"][0]["line"] == 2
    assert "ISO 8601" in report["refused"][0]["reason"]
    assert "posted_at: Должно быть датой" in report["refused"][0]["reason"]


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("ru", "Не хватает столбцов: external_id, platform"),
        ("en", "Missing column(s): external_id, platform"),
    ],
)
def test_a_file_refused_on_the_worker_keeps_its_reason_in_the_starters_language(
    agency, language, reason
) -> None:
    """The worker runs the import in the language of whoever started it; the stored reason of
    a file refused whole is in that language too, as the import page shows it."""
    row = MentionImport.objects.create(
        organisation=agency.org,
        brand=agency.brand,
        file_format="csv",
        content="Текст,Дата\nПлохой кофе,2026-12-01T10:00:00+00:00\n".encode(),
        mapping={"text": "Текст", "posted_at": "Дата"},
        state="queued",
        language=language,
    )

    done = import_services.mention_import_run(organisation_id=agency.org.id, import_id=row.pk)

    assert done is not None and done.state == "failed"
    assert reason in done.error, done.error
