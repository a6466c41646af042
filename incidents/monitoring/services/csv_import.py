"""A CSV (or XLSX) file of mentions, row by row into the ingest service: the one home of the
row → item logic, for `manage.py import_mentions` and the uploads of the web page and the API
(services/imports.py runs them on the worker, with a column mapping and a progress callback).

Every line is answered: stored (new or updated), a duplicate of an earlier line, or refused
with its line number, field and reason. A bad line never stops the file, and running the
same file again is safe (the ingest is an upsert on platform and external_id: the second run
stores nothing new, counts nothing twice and opens no second incident).
"""

import csv
import io
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.db import DataError, IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import DomainError
from incidents.monitoring.services.ingest import IngestResult, mention_ingest
from tenants.models import Brand

COLUMNS = ("platform", "external_id", "author", "text", "url", "language", "posted_at", "reach")
REQUIRED_COLUMNS = frozenset({"platform", "external_id", "text", "posted_at"})
MAX_BATCH = 1000
# How many refused and repeated lines a report lists (all are counted).
SHOWN_LINES = 50
# Text is at most 10,000 characters; a longer field must become a refused line with its
# number, not a csv.Error that ends the import.
_FIELD_SIZE_LIMIT = 1_000_000


class ImportRefused(DomainError):
    """The file as a whole cannot be imported (empty, unreadable, a required column missing,
    a mapping naming a column the file does not have)."""

    api_speaks_member_language = True


@dataclass(slots=True)
class ImportReport:
    """What an import stored and refused so far; complete once `finished` is true."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected_count: int = 0
    duplicate_count: int = 0
    # (line, field, reason) and (line, first line), the first SHOWN_LINES of each.
    rejected: list[tuple[int, str, str]] = field(default_factory=list)
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    first_line: int | None = None
    last_line: int | None = None
    incidents_opened: list[int] = field(default_factory=list)
    incidents_linked: list[int] = field(default_factory=list)
    bytes_read: int = 0
    seconds: float = 0.0
    finished: bool = False

    @property
    def stored(self) -> int:
        return self.created + self.updated

    def reject(self, line: int, field_name: str, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < SHOWN_LINES:
            self.rejected.append((line, field_name, reason))

    def add(self, result: IngestResult) -> None:
        self.created += result.created
        self.updated += result.updated
        for refused in result.rejected:
            self.reject(refused["index"], refused["field"], refused["reason"])
        for duplicate in result.duplicates:
            self.duplicate_count += 1
            if len(self.duplicates) < SHOWN_LINES:
                self.duplicates.append((duplicate["index"], duplicate["duplicate_of"]))
        self.incidents_opened += result.incidents_opened
        self.incidents_linked += [
            i for i in result.incidents_linked if i not in self.incidents_linked
        ]


Progress = Callable[[ImportReport], None]


def _stored_alone(
    *, brand: Brand, items: list[dict[str, str]], lines: list[int], seen: dict, report: ImportReport
) -> None:
    """A batch the database refused as a whole (a value it cannot hold that validation let
    through): each line alone, so only the line at fault is refused."""
    first = lines[0]
    for key in [key for key, line in seen.items() if line >= first]:
        del seen[key]  # not stored: the batch rolled back
    for item, line in zip(items, lines, strict=True):
        try:
            report.add(mention_ingest(brand=brand, items=[item], positions=[line], seen=seen))
        except (DataError, IntegrityError) as exc:
            seen.pop((item.get("platform", ""), item.get("external_id", "").strip()), None)
            report.reject(
                line,
                "row",
                _("The database refused this line (%(error)s).")
                % {"error": type(exc.__cause__ or exc).__name__},
            )


# (physical line number, the row's cells or None when unreadable, why it is unreadable)
_Row = tuple[int, list[str] | None, str]


def _csv_rows(reader: Any) -> Iterator[_Row]:
    last_line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, None, _("Unreadable CSV: %(error)s.") % {"error": exc}
            last_line = reader.line_num
            continue
        line, last_line = last_line + 1, reader.line_num
        yield line, row, ""


def _column_fields(header: list[str], mapping: Mapping[str, str] | None) -> list[str | None]:
    """The item field of each column of the file (None: a column not imported).

    Without a mapping the header names the fields (the command line's files); a mapping is
    {field: column of the file}, matched case-insensitively. Refuses a mapping of an unknown
    field or to a column the file does not have, and a file that leaves a required field
    without a column."""
    if mapping is None:
        fields: list[str | None] = list(header)
    else:
        fields = [None] * len(header)
        positions = {name: i for i, name in reversed(list(enumerate(header)))}
        for field_name, column in mapping.items():
            # Alike imports.py:mapping_clean on purpose: the same refusal of an unknown field,
            # here while reading a file's header, there while storing a preset's mapping.
            if field_name not in COLUMNS:
                raise ImportRefused(
                    gettext_lazy("Unknown field in the mapping: %(field)s."),
                    params={"field": field_name},
                    field="mapping",
                )
            if not column:
                continue
            position = positions.get(str(column).strip().lower())
            if position is None:
                raise ImportRefused(
                    gettext_lazy("Unknown column: %(column)s (not in the file's header)."),
                    params={"column": column},
                    field="mapping",
                )
            fields[position] = field_name
    missing = REQUIRED_COLUMNS - {f for f in fields if f}
    if missing:
        raise ImportRefused(
            gettext_lazy("Missing column(s): %(columns)s."),
            params={"columns": ", ".join(sorted(missing))},
        )
    return fields


def _import_rows(
    *,
    brand: Brand,
    fields: list[str | None],
    rows: Iterator[_Row],
    batch_size: int,
    progress: Progress | None,
    report: ImportReport,
    bytes_read: Callable[[], int | None],
    started: float,
) -> ImportReport:
    """The rows after the header, in batches into the ingest (both formats)."""
    batch_size = max(1, min(batch_size, MAX_BATCH))
    seen: dict[tuple[str, str], int] = {}
    items: list[dict[str, str]] = []
    lines: list[int] = []

    def flush() -> None:
        if items:
            try:
                report.add(mention_ingest(brand=brand, items=items, positions=lines, seen=seen))
            except (DataError, IntegrityError):
                _stored_alone(brand=brand, items=items, lines=lines, seen=seen, report=report)
            items.clear()
            lines.clear()
        position = bytes_read()
        report.bytes_read = position if position is not None else report.bytes_read
        report.seconds = time.monotonic() - started
        if progress is not None:
            progress(report)

    for line, row, error in rows:
        if row is None:
            report.reject(line, "row", error)
            continue
        if not row:
            continue  # a blank line
        report.rows += 1
        if report.first_line is None:
            report.first_line = line
        report.last_line = line
        if len(row) != len(fields):
            report.reject(
                line,
                "row",
                _("Expected %(expected)d columns, got %(got)d.")
                % {"expected": len(fields), "got": len(row)},
            )
            continue
        items.append({f: v for f, v in zip(fields, row, strict=True) if f and v != ""})
        lines.append(line)
        if len(items) >= batch_size:
            flush()
    flush()
    report.finished = True
    return report


# Alike mentions_import_xlsx on purpose: the two formats' entry points take the same arguments.
def mentions_import_csv(
    *,
    brand: Brand,
    file: IO[bytes],
    batch_size: int = MAX_BATCH,
    progress: Progress | None = None,
    report: ImportReport | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import a UTF-8 CSV with a header row (COLUMNS, in any order; the optional ones may be
    missing) into `brand`, in batches of at most 1,000 rows, each batch in one transaction.

    `file` is any binary file object (an open file, an upload); `progress(report)` is called
    after every batch with the running report (`report.bytes_read` of the file so far).
    `mapping` ({field: column}) reads a listening tool's own header instead of COLUMNS.
    Refuses the whole file (ImportRefused) only when it is empty, lacks a required column or
    the mapping names a column it does not have; otherwise every line is reported, by its
    physical line number (a quoted field may span lines): refused lines with field and
    reason, duplicates of an earlier line (the last copy is stored). Pass `report` to keep
    what was stored if the run is interrupted (the database going away): the caller can say
    so, and running the file again completes it.
    """
    report = report if report is not None else ImportReport()
    started = time.monotonic()
    csv.field_size_limit(_FIELD_SIZE_LIMIT)
    # Invalid UTF-8 bytes become lone surrogates, which ingest refuses as invalid Unicode:
    # the line is reported with its number and the import goes on.
    text = io.TextIOWrapper(file, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        reader = csv.reader(text)
        try:
            header = [name.strip().lower() for name in next(reader)]
        except StopIteration:
            raise ImportRefused(gettext_lazy("The file is empty.")) from None
        except csv.Error as exc:
            raise ImportRefused(
                gettext_lazy("The header row is unreadable: %(error)s."), params={"error": exc}
            ) from None
        fields = _column_fields(header, mapping)
        return _import_rows(
            brand=brand,
            fields=fields,
            rows=_csv_rows(reader),
            batch_size=batch_size,
            progress=progress,
            report=report,
            bytes_read=lambda: file.tell() if file.seekable() else None,
            started=started,
        )
    finally:
        report.seconds = time.monotonic() - started
        # The caller owns the file: detach so that closing the wrapper leaves it open.
        text.detach()


# --- XLSX (an export of a listening tool: the first sheet, a header row) ---


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()  # a naive date-time is read as UTC by the ingest
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # reach 15000.0 → "15000"
    return str(value).strip() if isinstance(value, str) else str(value)


def _xlsx_sheet(file: IO[bytes]) -> Any:
    from openpyxl import load_workbook  # noqa: PLC0415 (only an upload of XLSX needs it)
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportRefused(
            gettext_lazy("The file is not a readable XLSX workbook."), field="file"
        ) from None
    return workbook, workbook.worksheets[0] if workbook.worksheets else None


def _xlsx_rows(sheet: Any) -> Iterator[list[str]]:
    for values in sheet.iter_rows(values_only=True):
        yield [_cell_text(v) for v in values]


def xlsx_header(file: IO[bytes]) -> list[str]:
    """The header row of the workbook's first sheet ([] when it has none)."""
    workbook, sheet = _xlsx_sheet(file)
    try:
        for row in _xlsx_rows(sheet) if sheet is not None else ():
            return [cell.strip().lower() for cell in row]
        return []
    finally:
        workbook.close()


def xlsx_row_count(file: IO[bytes]) -> int:
    """The non-blank rows after the header of the first sheet."""
    workbook, sheet = _xlsx_sheet(file)
    try:
        rows = _xlsx_rows(sheet) if sheet is not None else iter(())
        next(rows, None)
        return sum(1 for row in rows if any(row))
    finally:
        workbook.close()


# Alike mentions_import_csv on purpose: the two formats' entry points take the same arguments.
def mentions_import_xlsx(
    *,
    brand: Brand,
    file: IO[bytes],
    batch_size: int = MAX_BATCH,
    progress: Progress | None = None,
    report: ImportReport | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ImportReport:
    """The same import from an XLSX workbook's first sheet (line = the sheet's row number):
    the same refusals, batches, reports and idempotence as mentions_import_csv. A row shorter
    than the header (trailing empty cells) is padded; dates become ISO 8601 (UTC)."""
    report = report if report is not None else ImportReport()
    started = time.monotonic()
    workbook, sheet = _xlsx_sheet(file)
    try:
        cells = _xlsx_rows(sheet) if sheet is not None else iter(())
        first = next(cells, None)
        if first is None or not any(first):
            raise ImportRefused(gettext_lazy("The file is empty."))
        header = [cell.strip().lower() for cell in first]
        while header and not header[-1]:
            header.pop()
        fields = _column_fields(header, mapping)
        width = len(fields)

        def rows() -> Iterator[_Row]:
            for line, row in enumerate(cells, start=2):
                if not any(row):
                    continue  # a blank row
                if len(row) > width and not any(row[width:]):
                    row = row[:width]
                elif len(row) < width:
                    row = row + [""] * (width - len(row))
                yield line, row, ""

        return _import_rows(
            brand=brand,
            fields=fields,
            rows=rows(),
            batch_size=batch_size,
            progress=progress,
            report=report,
            bytes_read=lambda: None,
            started=started,
        )
    finally:
        report.seconds = time.monotonic() - started
        workbook.close()
