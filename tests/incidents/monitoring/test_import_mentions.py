"""manage.py import_mentions: streams a CSV in batches, reports new/updated/rejected by line."""

import csv
from datetime import timedelta
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DataError, OperationalError
from django.utils import timezone

from incidents.models import Incident
from incidents.monitoring.models import Mention, MentionBucket
from incidents.monitoring.services import csv_import
from incidents.monitoring.services.csv_import import ImportRefused, mentions_import_csv
from tests.factories import MonitoringRuleFactory

pytestmark = pytest.mark.django_db

HEADER = ["platform", "external_id", "author", "text", "url", "language", "posted_at", "reach"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def good_row(n: int, text: str = "Отличный кофе") -> list[str]:
    return [
        "vk",
        f"id-{n}",
        "anna",
        text,
        "https://vk.com/wall1_1",
        "ru",
        "2025-03-01T10:00:00Z",
        "5",
    ]


def run(path: Path, *args: str, stdout: StringIO | None = None) -> tuple[str, str]:
    out, err = stdout or StringIO(), StringIO()
    call_command(
        "import_mentions", str(path), "--org", "alpha", "--brand", "alpha-brand", *args,
        stdout=out, stderr=err,
    )  # fmt: skip
    return out.getvalue(), err.getvalue()


def test_a_generated_file_with_bad_lines_reports_counts_and_line_numbers(agency, tmp_path) -> None:
    rows = [good_row(n) for n in range(2500)]
    rows[9] = ["vk", "id-9", "anna", "x", "", "", "not a date", ""]  # line 11
    rows[1499] = ["fax", "id-1499", "", "text", "", "", "2025-03-01T10:00:00Z", ""]  # line 1501
    rows[2000] = ["vk", "id-2000", "too few columns"]  # line 2002
    rows[2100] = ["vk", "id-2100", "", "text", "", "", "2025-03-01T10:00:00Z", "-3"]  # line 2102
    path = write_csv(tmp_path / "mentions.csv", rows)

    out, err = run(path, "--batch-size", "1000")

    assert Mention.objects.filter(brand=agency.brand).count() == 2496
    assert "new: 2496, updated: 0, rejected: 4, duplicates: 0" in out
    assert "Stored 2496 mentions of lines 2–2501." in out
    assert "line 11: posted_at: Must be an ISO 8601 date-time." in out
    assert "line 1501: platform: Must be one of" in out
    assert "line 2002: row: Expected 8 columns, got 3." in out
    assert "line 2102: reach: Must be a whole number ≥ 0." in out
    assert "import" in err  # the progress bar, on stderr


def test_importing_the_same_file_again_updates(agency, tmp_path) -> None:
    path = write_csv(tmp_path / "m.csv", [good_row(n) for n in range(3)])
    run(path, "--no-progress")

    out, _ = run(path, "--no-progress")

    assert "new: 0, updated: 3, rejected: 0" in out
    assert Mention.objects.count() == 3


def test_line_numbers_count_physical_lines_of_multiline_fields(agency, tmp_path) -> None:
    rows = [good_row(1, text="first line\nsecond line"), ["vk", "", "", "x", "", "", "", ""]]
    path = write_csv(tmp_path / "m.csv", rows)

    out, _ = run(path, "--no-progress")

    # Header on line 1, the two-line row on lines 2-3, the bad row on line 4.
    assert "line 4: external_id: This field is required." in out
    assert Mention.objects.get().text == "first line\nsecond line"


def test_only_the_first_50_rejections_are_listed_but_all_are_counted(agency, tmp_path) -> None:
    rows = [["vk", f"id-{n}", "", "", "", "", "2025-03-01T10:00:00Z", ""] for n in range(60)]
    path = write_csv(tmp_path / "m.csv", rows)

    out, _ = run(path, "--no-progress")

    assert "rejected: 60" in out
    assert out.count("text: This field is required.") == 50
    assert "… and 10 more." in out


def test_optional_columns_may_be_missing(agency, tmp_path) -> None:
    path = write_csv(
        tmp_path / "m.csv",
        [["x", "tweet-1", "Great coffee", "2025-03-01T10:00:00Z"]],
        header=["platform", "external_id", "text", "posted_at"],
    )

    out, _ = run(path, "--no-progress")

    assert "new: 1" in out
    assert Mention.objects.get().language == "en"


def test_an_xlsx_workbook_goes_through_the_same_rows(agency, tmp_path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(good_row(1))
    workbook.active.append(["myspace", *good_row(2)[1:]])  # line 3: an unknown platform
    workbook.save(tmp_path / "m.xlsx")

    out, _ = run(tmp_path / "m.xlsx", "--no-progress")

    assert "new: 1" in out and "rejected: 1" in out and "line 3: platform" in out
    assert Mention.objects.get().external_id == "id-1"


def test_a_missing_required_column_is_an_error(agency, tmp_path) -> None:
    path = write_csv(tmp_path / "m.csv", [["vk", "1"]], header=["platform", "external_id"])

    with pytest.raises(CommandError, match="Missing column"):
        run(path)


def test_an_unknown_brand_is_an_error(agency, outsider, tmp_path) -> None:
    path = write_csv(tmp_path / "m.csv", [good_row(1)])

    with pytest.raises(CommandError, match="No brand"):
        call_command(
            "import_mentions", str(path), "--org", "alpha", "--brand", "omega-brand",
            stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip
    assert not Mention.objects.exists()


def test_a_line_of_invalid_utf8_is_rejected_with_its_number(agency, tmp_path) -> None:
    path = write_csv(tmp_path / "m.csv", [good_row(1)])
    with path.open("ab") as f:
        f.write(b"vk,id-2,anna,\xff\xfe broken,,,2025-03-01T10:00:00Z,\n")
        f.write(b"vk,id-3,anna,fine,,,2025-03-01T10:00:00Z,\n")

    out, _ = run(path, "--no-progress")

    assert "new: 2, updated: 0, rejected: 1" in out
    assert "line 3: text: Contains invalid Unicode." in out
    assert set(Mention.objects.values_list("external_id", flat=True)) == {"id-1", "id-3"}


# --- issue 14, problem 5: never stops half way, says what it stored, safe to run again ---


def test_a_date_out_of_range_after_1000_rows_stops_nothing(agency, tmp_path) -> None:
    rows = [good_row(n) for n in range(1602)]
    rows.insert(1200, ["vk", "far", "", "text", "", "", "9999-12-31T23:59:00-05:00", ""])
    path = write_csv(tmp_path / "m.csv", rows)

    out, _ = run(path, "--no-progress")

    assert Mention.objects.filter(brand=agency.brand).count() == 1602
    assert "new: 1602, updated: 0, rejected: 1, duplicates: 0" in out
    assert "Stored 1602 mentions of lines 2–1604." in out
    assert "line 1202: posted_at: Must be between 2000-01-01 and 5 minutes from now (UTC)." in out


def test_running_the_same_file_again_stores_and_counts_nothing_twice(agency, tmp_path) -> None:
    MonitoringRuleFactory(brand=agency.brand, keywords=["отравление"], min_negative=None)
    posted = (timezone.now() - timedelta(minutes=2)).isoformat()
    rows = [
        ["vk", f"id-{n}", "", "Ужасное отравление после кофе", "", "ru", posted, ""]
        for n in range(30)
    ]
    path = write_csv(tmp_path / "m.csv", rows)
    first, _ = run(path, "--no-progress", "--batch-size", "7")
    counters = list(MentionBucket.objects.values_list("bucket_start", "total", "negative"))

    again, _ = run(path, "--no-progress", "--batch-size", "7")

    assert "new: 30, updated: 0" in first and "Incidents opened: #" in first
    assert "new: 0, updated: 30, rejected: 0, duplicates: 0" in again
    assert "Incidents opened" not in again
    assert Mention.objects.count() == 30
    assert Incident.objects.count() == 1
    assert list(MentionBucket.objects.values_list("bucket_start", "total", "negative")) == counters


def test_a_line_repeating_one_of_an_earlier_batch_is_a_duplicate(agency, tmp_path) -> None:
    rows = [good_row(1), good_row(2), good_row(3), good_row(1, text="Новый текст"), good_row(2)]
    path = write_csv(tmp_path / "m.csv", rows)

    out, _ = run(path, "--no-progress", "--batch-size", "2")

    assert "new: 3, updated: 0, rejected: 0, duplicates: 2" in out
    assert "line 5 repeats line 2" in out
    assert "line 6 repeats line 3" in out
    assert Mention.objects.get(external_id="id-1").text == "Новый текст"


def test_a_batch_the_database_refuses_is_stored_line_by_line(agency, tmp_path, monkeypatch) -> None:
    real = csv_import.mention_ingest

    def refusing(*, items: list, **kwargs: object) -> object:
        if any(item.get("external_id") == "id-poison" for item in items):
            raise DataError("value too long for the column")
        return real(items=items, **kwargs)

    monkeypatch.setattr(csv_import, "mention_ingest", refusing)
    rows = [good_row(1), good_row(2), ["vk", "id-poison", "", "x", "", "", "2025-03-01", ""]]
    path = write_csv(tmp_path / "m.csv", [*rows, good_row(4)])

    out, _ = run(path, "--no-progress")

    assert "new: 3, updated: 0, rejected: 1" in out
    assert "line 4: row: The database refused this line (DataError)." in out
    assert set(Mention.objects.values_list("external_id", flat=True)) == {"id-1", "id-2", "id-4"}


def test_a_run_cut_short_says_what_it_stored_and_the_next_run_completes(
    agency, tmp_path, monkeypatch
) -> None:
    real = csv_import.mention_ingest
    calls = []

    def database_goes_away(**kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(csv_import, "mention_ingest", database_goes_away)
    path = write_csv(tmp_path / "m.csv", [good_row(n) for n in range(5)])

    with pytest.raises(OperationalError):
        run(path, "--no-progress", "--batch-size", "2", stdout=(out := StringIO()))
    monkeypatch.setattr(csv_import, "mention_ingest", real)
    completed, _ = run(path, "--no-progress", "--batch-size", "2")

    assert "new: 2, updated: 0" in out.getvalue()
    assert "Stored 2 mentions of lines 2–" in out.getvalue()
    assert "Run the same command again to complete it" in out.getvalue()
    assert "new: 3, updated: 2" in completed
    assert Mention.objects.count() == 5


def test_the_report_is_in_russian_on_request(agency, tmp_path) -> None:
    rows = [good_row(1), ["vk", "id-2", "", "x", "", "", "0001-01-01T00:00:00+05:00", ""]]
    path = write_csv(tmp_path / "m.csv", rows)

    out, _ = run(path, "--no-progress", "--language", "ru")

    assert "2 строки за" in out
    assert "новых: 1, обновлено: 0, отклонено: 1, повторов: 0" in out
    assert "строка 3: posted_at: Должно быть не раньше 2000-01-01" in out


def test_the_service_takes_a_file_object_and_reports_progress(agency) -> None:
    body = "platform,external_id,text,posted_at\n" + "".join(
        f"vk,id-{n},Отличный кофе,2025-03-01T10:00:00Z\n" for n in range(5)
    )
    seen: list[tuple[int, int]] = []

    report = mentions_import_csv(
        brand=agency.brand,
        file=BytesIO(body.encode()),
        batch_size=2,
        progress=lambda running: seen.append((running.stored, running.bytes_read)),
    )

    assert (report.created, report.rejected_count, report.finished) == (5, 0, True)
    assert [stored for stored, _ in seen] == [2, 4, 5]
    assert seen[-1][1] == len(body.encode())


def test_a_file_without_a_required_column_is_refused_whole(agency) -> None:
    with pytest.raises(ImportRefused, match="Missing column"):
        mentions_import_csv(brand=agency.brand, file=BytesIO(b"platform,text\nvk,x\n"))
    assert not Mention.objects.exists()
