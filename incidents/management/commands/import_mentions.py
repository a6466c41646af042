"""Import mentions from a CSV file in batches through the same ingest as the API.

The row → item logic is `incidents.monitoring.services.csv_import.mentions_import_csv`; this
command opens the file, shows a progress bar and prints the report, also when the run is cut
short (the database going away), so that what was stored is always said.
"""

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from incidents.monitoring.selectors import brand_by_slugs
from incidents.monitoring.services.csv_import import (
    COLUMNS,
    MAX_BATCH,
    ImportRefused,
    ImportReport,
    mentions_import_csv,
    mentions_import_xlsx,
)


class Command(BaseCommand):
    help = (
        "Import mentions from a UTF-8 CSV (or an .xlsx workbook) with a header row (columns: "
        + ", ".join(COLUMNS)
        + "). Streams the file in batches; an existing mention is updated, not duplicated, "
        "so the same file can be imported again safely."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("--brand", required=True, help="brand slug")
        parser.add_argument("--batch-size", type=int, default=MAX_BATCH)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the report (en, ru)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        brand = brand_by_slugs(org_slug=options["org"], brand_slug=options["brand"])
        if brand is None:
            raise CommandError(
                _("No brand %(brand)r in organisation %(org)r.")
                % {"brand": options["brand"], "org": options["org"]}
            )
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        report = ImportReport()
        with (
            open(path, "rb") as file,
            tqdm(
                total=os.path.getsize(path),
                unit="B",
                unit_scale=True,
                desc="import",
                file=getattr(self.stderr, "_out", sys.stderr),
                disable=options["no_progress"],
            ) as bar,
        ):

            def progress(running: ImportReport) -> None:
                bar.update(running.bytes_read - bar.n)

            # An .xlsx workbook (its first sheet) goes through the same rows → items code.
            run = mentions_import_xlsx if path.lower().endswith(".xlsx") else mentions_import_csv
            try:
                run(
                    brand=brand,
                    file=file,
                    batch_size=options["batch_size"],
                    progress=progress,
                    report=report,
                )
            except ImportRefused as exc:
                raise CommandError(exc.translated) from None
            finally:
                # Also when cut short: what was stored is said before the error.
                self._report(path, report)

    def _report(self, path: str, report: ImportReport) -> None:
        rows = ngettext("%(count)d row", "%(count)d rows", report.rows) % {"count": report.rows}
        self.stdout.write(
            _(
                "%(path)s: %(rows)s in %(seconds).1f s — new: %(created)d, updated: "
                "%(updated)d, rejected: %(rejected)d, duplicates: %(duplicates)d"
            )
            % {
                "path": path,
                "rows": rows,
                "seconds": report.seconds,
                "created": report.created,
                "updated": report.updated,
                "rejected": report.rejected_count,
                "duplicates": report.duplicate_count,
            }
        )
        if report.stored and report.first_line is not None:
            self.stdout.write(
                ngettext(
                    "Stored %(count)d mention of lines %(first)d–%(last)d.",
                    "Stored %(count)d mentions of lines %(first)d–%(last)d.",
                    report.stored,
                )
                % {"count": report.stored, "first": report.first_line, "last": report.last_line}
            )
        if not report.finished and report.rows:
            self.stdout.write(
                _(
                    "The import stopped before the end of the file; what is counted above is "
                    "stored. Run the same command again to complete it (safe: stored lines "
                    "are updated, not repeated)."
                )
            )
        if report.rejected:
            self.stdout.write(_("Rejected lines:"))
            for line, field, reason in sorted(report.rejected):
                self.stdout.write(
                    _("  line %(line)d: %(field)s: %(reason)s")
                    % {"line": line, "field": field, "reason": reason}
                )
            hidden = report.rejected_count - len(report.rejected)
            if hidden:
                self.stdout.write(_("  … and %(count)d more.") % {"count": hidden})
        if report.duplicates:
            self.stdout.write(_("Repeated lines (the last copy is stored):"))
            for line, first in sorted(report.duplicates):
                self.stdout.write(
                    _("  line %(line)d repeats line %(first)d") % {"line": line, "first": first}
                )
            hidden = report.duplicate_count - len(report.duplicates)
            if hidden:
                self.stdout.write(_("  … and %(count)d more.") % {"count": hidden})
        if report.incidents_opened:
            opened = ", ".join(f"#{i}" for i in report.incidents_opened)
            self.stdout.write(_("Incidents opened: %(ids)s") % {"ids": opened})
        if report.incidents_linked:
            linked = ", ".join(f"#{i}" for i in report.incidents_linked)
            self.stdout.write(_("Mentions linked to: %(ids)s") % {"ids": linked})
