"""A CSV file of mentions, row by row into the ingest service: the one home of the row → item
logic, for `manage.py import_mentions` and any later upload (a web page or an API taking a
file object, with a progress callback).

Every line is answered: stored (new or updated), a duplicate of an earlier line, or refused
with its line number, field and reason. A bad line never stops the file, and running the
same file again is safe (the ingest is an upsert on platform and external_id: the second run
stores nothing new, counts nothing twice and opens no second incident).
"""

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.db import DataError, IntegrityError
from django.utils.translation import gettext as _

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
    """The file as a whole cannot be imported (empty, a required column missing)."""


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


def mentions_import_csv(
    *,
    brand: Brand,
    file: IO[bytes],
    batch_size: int = MAX_BATCH,
    progress: Progress | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Import a UTF-8 CSV with a header row (COLUMNS, in any order; the optional ones may be
    missing) into `brand`, in batches of at most 1,000 rows, each batch in one transaction.

    `file` is any binary file object (an open file, an upload); `progress(report)` is called
    after every batch with the running report (`report.bytes_read` of the file so far).
    Refuses the whole file (ImportRefused) only when it is empty or lacks a required column;
    otherwise every line is reported, by its physical line number (a quoted field may span
    lines): refused lines with field and reason, duplicates of an earlier line (the last
    copy is stored). Pass `report` to keep what was stored if the run is interrupted (the
    database going away): the caller can say so, and running the file again completes it.
    """
    report = report if report is not None else ImportReport()
    started = time.monotonic()
    batch_size = max(1, min(batch_size, MAX_BATCH))
    csv.field_size_limit(_FIELD_SIZE_LIMIT)
    # Invalid UTF-8 bytes become lone surrogates, which ingest refuses as invalid Unicode:
    # the line is reported with its number and the import goes on.
    text = io.TextIOWrapper(file, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        reader = csv.reader(text)
        try:
            header = [name.strip().lower() for name in next(reader)]
        except StopIteration:
            raise ImportRefused(_("The file is empty.")) from None
        except csv.Error as exc:
            raise ImportRefused(
                _("The header row is unreadable: %(error)s.") % {"error": exc}
            ) from None
        missing = REQUIRED_COLUMNS - set(header)
        if missing:
            raise ImportRefused(
                _("Missing column(s): %(columns)s.") % {"columns": ", ".join(sorted(missing))}
            )
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
            report.bytes_read = file.tell() if file.seekable() else report.bytes_read
            report.seconds = time.monotonic() - started
            if progress is not None:
                progress(report)

        last_line = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                report.reject(
                    reader.line_num, "row", _("Unreadable CSV: %(error)s.") % {"error": exc}
                )
                last_line = reader.line_num
                continue
            line, last_line = last_line + 1, reader.line_num
            if not row:
                continue  # a blank line
            report.rows += 1
            if report.first_line is None:
                report.first_line = line
            report.last_line = line
            if len(row) != len(header):
                report.reject(
                    line,
                    "row",
                    _("Expected %(expected)d columns, got %(got)d.")
                    % {"expected": len(header), "got": len(row)},
                )
                continue
            items.append({k: v for k, v in zip(header, row, strict=True) if v != ""})
            lines.append(line)
            if len(items) >= batch_size:
                flush()
        flush()
        report.finished = True
        return report
    finally:
        report.seconds = time.monotonic() - started
        # The caller owns the file: detach so that closing the wrapper leaves it open.
        text.detach()
