"""Uploads of mention files (CSV or XLSX exports of listening tools), run on the worker.

An upload is stored with its header row (`draft`); starting it with a column mapping (given,
from a saved preset, or the header's own names) queues it; the worker runs it through the
same code as `manage.py import_mentions` (csv_import.mentions_import_csv, or its XLSX twin),
writing its progress and refused lines to the row as it goes. The file itself is kept only
until the run ends.
"""

import csv
import io
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status

from crisisdesk.core.exceptions import Conflict, DomainError
from incidents.monitoring.models import ImportPreset, ImportState, MentionImport
from incidents.monitoring.services.csv_import import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ImportRefused,
    ImportReport,
    mentions_import_csv,
    mentions_import_xlsx,
    xlsx_header,
    xlsx_row_count,
)
from incidents.notifications.outbox import task_enqueue_after_commit
from tenants.models import Brand, Membership, Organisation

IMPORT_TASK = "incidents.tasks.mention_import_run"
# Refused lines kept on the row (all are counted in refused_count).
SHOWN_REFUSED = 200
# How long a run may go without finishing before another worker takes it (20 MB of CSV is
# about 100,000 rows: minutes, not an hour).
RUN_LEASE = timedelta(hours=1)
MAX_MAPPING_COLUMN = 200
_ZIP_MAGIC = b"PK\x03\x04"
_CSV_EXTENSIONS = (".csv", ".txt")


class ImportTooBig(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "too_big"
    api_speaks_member_language = True


def max_bytes() -> int:
    return settings.MENTION_IMPORT_MAX_BYTES


# --- the file ---


def file_format(*, file_name: str, content: bytes) -> str:
    """ "csv" or "xlsx", by the content (an XLSX is a zip) and the name; refuses the rest."""
    name = file_name.lower()
    if content.startswith(_ZIP_MAGIC):
        if name.endswith(".xlsx") or not name.endswith(_CSV_EXTENSIONS):
            return "xlsx"
    elif (name.endswith(_CSV_EXTENSIONS) or "." not in name) and b"\x00" not in content[:4096]:
        return "csv"
    raise ImportRefused(
        gettext_lazy("Only CSV (UTF-8) and XLSX files can be imported."), field="file"
    )


def file_columns(*, fmt: str, content: bytes) -> list[str]:
    """The file's header row, lower case (what a mapping names). Refuses an empty or
    unreadable file."""
    if fmt == "xlsx":
        header = xlsx_header(io.BytesIO(content))
    else:
        text = content.decode("utf-8-sig", errors="replace")
        try:
            header = next(csv.reader(io.StringIO(text, newline="")), [])
        except csv.Error as exc:
            raise ImportRefused(
                gettext_lazy("The header row is unreadable: %(error)s."),
                params={"error": exc},
                field="file",
            ) from None
        header = [name.strip().lower() for name in header]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise ImportRefused(gettext_lazy("The file is empty."), field="file")
    return header


def _row_count(*, fmt: str, content: bytes) -> int:
    if fmt == "xlsx":
        return xlsx_row_count(io.BytesIO(content))
    text = io.StringIO(content.decode("utf-8-sig", errors="replace"), newline="")
    try:
        return max(0, sum(1 for row in csv.reader(text) if row) - 1)
    except csv.Error:
        return 0  # the run reports the unreadable lines; the bar then jumps to the end


def mapping_guess(columns: list[str]) -> dict[str, str]:
    """{field: column} for the columns named like a field (the command line's header)."""
    return {name: name for name in COLUMNS if name in columns}


def mapping_clean(mapping: Any, *, columns: list[str] | None = None) -> dict[str, str]:
    """A mapping as stored: {field: column}, fields of COLUMNS, empty columns dropped.

    Refuses what is not an object of strings, an unknown field, a required field without a
    column and, given the file's `columns`, a column the file does not have."""
    if not isinstance(mapping, Mapping):
        raise ImportRefused(
            gettext_lazy("The mapping must be an object of field: column."), field="mapping"
        )
    clean: dict[str, str] = {}
    for field_name, column in mapping.items():
        if field_name not in COLUMNS:
            raise ImportRefused(
                gettext_lazy("Unknown field in the mapping: %(field)s."),
                params={"field": field_name},
                field="mapping",
            )
        if column in (None, ""):
            continue
        if not isinstance(column, str) or len(column) > MAX_MAPPING_COLUMN:
            raise ImportRefused(
                gettext_lazy("The mapping must be an object of field: column."), field="mapping"
            )
        column = column.strip().lower()
        if columns is not None and column not in columns:
            raise ImportRefused(
                gettext_lazy("Unknown column: %(column)s (not in the file's header)."),
                params={"column": column},
                field="mapping",
            )
        clean[field_name] = column
    missing = REQUIRED_COLUMNS - set(clean)
    if missing:
        raise ImportRefused(
            gettext_lazy("Missing column(s): %(columns)s."),
            params={"columns": ", ".join(sorted(missing))},
            field="mapping",
        )
    return clean


# --- presets ---


def import_preset_save(
    *, organisation: Organisation, name: str, mapping: Any, preset: ImportPreset | None = None
) -> ImportPreset:
    """Save a column mapping under a name for the organisation (the same name again replaces
    its mapping). Refuses an empty name and the mappings mapping_clean refuses."""
    name = (name or "").strip()[:120]
    if not name:
        raise DomainError(gettext_lazy("A preset needs a name."), field="name")
    clean = mapping_clean(mapping)
    with transaction.atomic():
        if preset is None:
            preset, _created = ImportPreset.objects.update_or_create(
                organisation=organisation, name=name, defaults={"mapping": clean}
            )
            return preset
        clash = ImportPreset.objects.filter(organisation_id=organisation.id, name=name).exclude(
            pk=preset.pk
        )
        if clash.exists():
            raise Conflict(gettext_lazy("Another preset has this name."), field="name")
        preset.name, preset.mapping = name, clean
        preset.save(update_fields=["name", "mapping", "updated_at"])
        return preset


def import_preset_delete(*, preset: ImportPreset) -> None:
    """Imports that used it keep their own copy of the mapping."""
    preset.delete()


# --- an import ---


# Alike mention_import_create on purpose: create takes upload's arguments and calls it, adding
# the mapping that start takes.
def mention_import_upload(
    *,
    brand: Brand,
    by: Membership | None,
    file_name: str,
    content: bytes,
) -> MentionImport:
    """Store an uploaded file with its header row, waiting for its mapping (`draft`).

    Refuses a file over MENTION_IMPORT_MAX_BYTES (ImportTooBig), an empty one, and anything
    but CSV and XLSX (ImportRefused, field "file"). The caller scopes the brand."""
    if len(content) > max_bytes():
        raise ImportTooBig(
            gettext_lazy("The file is larger than %(mb)d MB."),
            params={"mb": max_bytes() // (1024 * 1024)},
            field="file",
        )
    if not content.strip():
        raise ImportRefused(gettext_lazy("The file is empty."), field="file")
    fmt = file_format(file_name=file_name, content=content)
    columns = file_columns(fmt=fmt, content=content)
    return MentionImport.objects.create(
        organisation_id=brand.organisation_id,
        brand=brand,
        created_by=by.user if by is not None else None,
        file_name=(file_name or "")[-255:],
        file_format=fmt,
        content=content,
        columns=columns,
        mapping=mapping_guess(columns),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


def mention_import_start(
    *,
    mention_import: MentionImport,
    mapping: Any = None,
    preset: ImportPreset | None = None,
    save_as: str = "",
) -> MentionImport:
    """Queue a draft import on the worker with its column mapping: `mapping`, else the
    `preset`'s, else the header's own names. `save_as` also saves the mapping as a preset.

    Refuses (ImportRefused, field "mapping") a mapping naming a column the file does not
    have, an unknown field or a required field left out; Conflict when it is not a draft.
    The caller scopes the preset to the import's organisation."""
    if mapping is None:
        mapping = preset.mapping if preset is not None else mapping_guess(mention_import.columns)
    clean = mapping_clean(mapping, columns=mention_import.columns)
    with transaction.atomic():
        started = MentionImport.objects.filter(
            organisation_id=mention_import.organisation_id,
            pk=mention_import.pk,
            state=ImportState.DRAFT,
        ).update(state=ImportState.QUEUED, mapping=clean, preset=preset)
        if not started:
            raise Conflict(gettext_lazy("This import has already started."), field="state")
        if save_as.strip():
            import_preset_save(
                organisation=mention_import.organisation, name=save_as, mapping=clean
            )
        task_enqueue_after_commit(IMPORT_TASK, mention_import.organisation_id, mention_import.pk)
    mention_import.refresh_from_db()
    return mention_import


def mention_import_create(
    *,
    brand: Brand,
    by: Membership | None,
    file_name: str,
    content: bytes,
    mapping: Any = None,
    preset: ImportPreset | None = None,
) -> MentionImport:
    """Upload and start in one step (the API): the refusals of both, nothing stored when
    one refuses."""
    with transaction.atomic():
        mention_import = mention_import_upload(
            brand=brand, by=by, file_name=file_name, content=content
        )
        return mention_import_start(mention_import=mention_import, mapping=mapping, preset=preset)


def _report_fields(report: ImportReport) -> dict[str, Any]:
    return {
        "rows_done": report.rows,
        "created": report.created,
        "updated": report.updated,
        "refused": [
            {"line": line, "reason": f"{field}: {reason}" if field != "row" else reason}
            for line, field, reason in sorted(report.rejected)[:SHOWN_REFUSED]
        ],
        "refused_count": report.rejected_count,
        "duplicate_count": report.duplicate_count,
        "incidents_opened": report.incidents_opened,
    }


def mention_import_run(*, organisation_id: int, import_id: int) -> MentionImport | None:
    """Run a queued import (the worker). Claimed by the conditional UPDATE queued → running,
    so a task delivered twice runs it once (a run older than RUN_LEASE counts as dead and is
    taken again); None when there was nothing to claim.

    Progress (rows done of rows_total, stored, refused lines) is written after every batch.
    A file refused as a whole ends `failed` with the reason; the file is dropped either way.
    """
    now = timezone.now()
    # A run whose worker died (acks_late redelivers its task) is taken again after the lease:
    # the ingest is an upsert, so running the file again stores nothing twice.
    claimable = Q(state=ImportState.QUEUED) | Q(
        state=ImportState.RUNNING, started_at__lt=now - RUN_LEASE
    )
    claimed = MentionImport.objects.filter(
        claimable, organisation_id=organisation_id, pk=import_id
    ).update(state=ImportState.RUNNING, started_at=now)
    if not claimed:
        return None
    row = MentionImport.objects.select_related("brand").get(
        organisation_id=organisation_id, pk=import_id
    )
    content = bytes(row.content or b"")
    mine = MentionImport.objects.filter(organisation_id=organisation_id, pk=import_id)

    def progress(report: ImportReport) -> None:
        mine.update(**_report_fields(report))

    report = ImportReport()
    with translation.override(row.language or settings.LANGUAGE_CODE):
        try:
            mine.update(rows_total=_row_count(fmt=row.file_format, content=content))
            run = mentions_import_xlsx if row.file_format == "xlsx" else mentions_import_csv
            run(
                brand=row.brand,
                file=io.BytesIO(content),
                mapping=row.mapping,
                progress=progress,
                report=report,
            )
        except ImportRefused as exc:
            _finish(mine, report, state=ImportState.FAILED, error=exc.translated)
        except Exception:
            _finish(
                mine,
                report,
                state=ImportState.FAILED,
                error=_("The import stopped on an internal error; what is counted is stored."),
            )
            raise
        else:
            _finish(mine, report, state=ImportState.DONE)
    row.refresh_from_db()
    return row


def _finish(mine: Any, report: ImportReport, *, state: str, error: str = "") -> None:
    finished: datetime = timezone.now()
    fields = _report_fields(report)
    if state == ImportState.DONE:
        fields["rows_total"] = report.rows
    mine.update(state=state, error=error[:500], finished_at=finished, content=None, **fields)
