"""manage.py import_mentions: streams a CSV in batches, reports new/updated/rejected by line."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from incidents.monitoring.models import Mention

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


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
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
    assert "new: 2496, updated: 0, rejected: 4" in out
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
