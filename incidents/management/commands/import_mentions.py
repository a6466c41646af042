"""Import mentions from a CSV file in batches through the same ingest as the API."""

import csv
import io
import os
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from incidents.monitoring.selectors import brand_by_slugs
from incidents.monitoring.services import mention_ingest

COLUMNS = ("platform", "external_id", "author", "text", "url", "language", "posted_at", "reach")
REQUIRED = {"platform", "external_id", "text", "posted_at"}
SHOWN_REJECTIONS = 50


class Command(BaseCommand):
    help = (
        "Import mentions from a UTF-8 CSV with a header row (columns: "
        + ", ".join(COLUMNS)
        + "). Streams the file in batches; an existing mention is updated, not duplicated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("--brand", required=True, help="brand slug")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        brand = brand_by_slugs(org_slug=options["org"], brand_slug=options["brand"])
        if brand is None:
            raise CommandError(f"No brand {options['brand']!r} in organisation {options['org']!r}.")
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"No such file: {path}")
        batch_size = max(1, min(options["batch_size"], 1000))
        # Text is at most 10,000 characters; a longer field must become a rejected line with
        # its number, not a csv.Error that ends the import.
        csv.field_size_limit(1_000_000)

        self.created = self.updated = self.rejected_count = 0
        self.rejections: list[tuple[int, str, str]] = []
        self.opened: list[int] = []
        self.linked: list[int] = []
        started = time.monotonic()
        rows = 0
        with (
            open(path, "rb") as raw,
            tqdm(
                total=os.path.getsize(path),
                unit="B",
                unit_scale=True,
                desc="import",
                file=getattr(self.stderr, "_out", sys.stderr),
                disable=options["no_progress"],
            ) as bar,
        ):
            # Invalid UTF-8 bytes become lone surrogates, which ingest rejects as invalid
            # Unicode: the line is reported with its number and the import goes on.
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
            reader = csv.reader(text)
            try:
                header = [name.strip().lower() for name in next(reader)]
            except StopIteration:
                raise CommandError("The file is empty.") from None
            missing = REQUIRED - set(header)
            if missing:
                raise CommandError(f"Missing column(s): {', '.join(sorted(missing))}.")
            batch: list[dict[str, str]] = []
            lines: list[int] = []
            last_line = reader.line_num
            done_bytes = 0
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    self._reject(reader.line_num, "row", f"Unreadable CSV: {exc}.")
                    last_line = reader.line_num
                    continue
                line, last_line = last_line + 1, reader.line_num
                if not row:
                    continue  # a blank line
                rows += 1
                if len(row) != len(header):
                    self._reject(line, "row", f"Expected {len(header)} columns, got {len(row)}.")
                    continue
                batch.append({k: v for k, v in zip(header, row, strict=True) if v != ""})
                lines.append(line)
                if len(batch) >= batch_size:
                    self._flush(brand, batch, lines)
                    batch, lines = [], []
                    bar.update(raw.tell() - done_bytes)
                    done_bytes = raw.tell()
            self._flush(brand, batch, lines)
            bar.update(os.path.getsize(path) - done_bytes)
        self._report(path, rows, started)

    def _reject(self, line: int, field: str, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejections) < SHOWN_REJECTIONS:
            self.rejections.append((line, field, reason))

    def _flush(self, brand: Any, batch: list[dict[str, str]], lines: list[int]) -> None:
        if not batch:
            return
        result = mention_ingest(brand=brand, items=batch, positions=lines)
        self.created += result.created
        self.updated += result.updated
        for rejection in result.rejected:
            self._reject(rejection["index"], rejection["field"], rejection["reason"])
        self.opened += result.incidents_opened
        self.linked += [i for i in result.incidents_linked if i not in self.linked]

    def _report(self, path: str, rows: int, started: float) -> None:
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{path}: {rows} rows in {seconds:.1f} s — new: {self.created}, "
            f"updated: {self.updated}, rejected: {self.rejected_count}"
        )
        if self.rejections:
            self.stdout.write("Rejected lines:")
            for line, field, reason in sorted(self.rejections):
                self.stdout.write(f"  line {line}: {field}: {reason}")
            hidden = self.rejected_count - len(self.rejections)
            if hidden:
                self.stdout.write(f"  … and {hidden} more.")
        if self.opened:
            self.stdout.write(f"Incidents opened: {', '.join(f'#{i}' for i in self.opened)}")
        if self.linked:
            self.stdout.write(f"Mentions linked to: {', '.join(f'#{i}' for i in self.linked)}")
