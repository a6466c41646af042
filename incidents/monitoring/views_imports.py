"""The import pages: upload a CSV or XLSX export, map its columns (detected from its header,
or a saved preset), then watch its progress on the worker and read the refused lines."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.core.exceptions import DomainError
from incidents.monitoring import selectors
from incidents.monitoring.models import ImportState, MentionImport
from incidents.monitoring.services import imports as import_services
from incidents.monitoring.services.csv_import import COLUMNS, REQUIRED_COLUMNS
from incidents.policies import may_import
from tenants.forms import PageForm, form_error
from tenants.models import Brand, Role
from tenants.selectors import brand_list
from tenants.tenancy import OrgRequest, org_page, scoped_get

# The doors' write role (client staff refused too): incidents.policies.may_import.
IMPORT_ROLE = Role.RESPONDER
RECENT_IMPORTS = 20
FIELD_LABELS = {
    "platform": gettext_lazy("Platform"),
    "external_id": gettext_lazy("Post id"),
    "author": gettext_lazy("Author"),
    "text": gettext_lazy("Text"),
    "url": gettext_lazy("Link"),
    "language": gettext_lazy("Language"),
    "posted_at": gettext_lazy("Posted at"),
    "reach": gettext_lazy("Reach"),
}


class UploadForm(PageForm):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A CSV (UTF-8) or XLSX export with a header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )
    brand: "forms.ModelChoiceField[Brand]" = forms.ModelChoiceField(
        label=gettext_lazy("Brand"), queryset=None
    )

    def __init__(self, *args: Any, membership: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["brand"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = brand_list(membership=membership)


def _imports_page(request: OrgRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "incidents/imports.html",
        {
            "form": form,
            "can_import": may_import(request.membership),
            "imports": list(
                selectors.mention_import_list(membership=request.membership)[:RECENT_IMPORTS]
            ),
            "max_mb": import_services.max_bytes() // (1024 * 1024),
        },
        status=status,
    )


@org_page(write_role=IMPORT_ROLE)
def imports(request: OrgRequest) -> HttpResponse:
    """The recent imports; responders and up upload a file (step 1 of 3)."""
    if request.method != "POST":
        return _imports_page(request, UploadForm(membership=request.membership, auto_id="i_%s"))
    form = UploadForm(request.POST, request.FILES, membership=request.membership, auto_id="i_%s")
    if not form.is_valid():
        return _imports_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        mention_import = import_services.mention_import_upload(
            brand=form.cleaned_data["brand"],
            by=request.membership,
            file_name=upload.name or "",
            content=upload.read(import_services.max_bytes() + 1),
        )
    except DomainError as exc:
        form_error(form, exc.field, exc.translated)
        return _imports_page(request, form, status=exc.status_code)
    return redirect("web:import", request.organisation.slug, mention_import.pk)


def _import(request: OrgRequest, import_pk: int) -> MentionImport:
    return scoped_get(selectors.mention_import_list(membership=request.membership), import_pk)


def _mapping_rows(mention_import: MentionImport, mapping: dict[str, str]) -> list[dict]:
    return [
        {
            "field": name,
            "label": FIELD_LABELS[name],
            "required": name in REQUIRED_COLUMNS,
            "chosen": mapping.get(name, ""),
        }
        for name in COLUMNS
    ]


def _import_page(
    request: OrgRequest,
    mention_import: MentionImport,
    *,
    mapping: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    presets = list(selectors.import_preset_list(membership=request.membership))
    chosen_preset = None
    if mapping is None:
        mapping = dict(mention_import.mapping)
        wanted = request.GET.get("preset", "")
        chosen_preset = next((p for p in presets if str(p.pk) == wanted), None)
        if chosen_preset is not None:
            mapping = {
                k: v for k, v in chosen_preset.mapping.items() if v in mention_import.columns
            }
    return render(
        request,
        "incidents/import.html",
        {
            "import": mention_import,
            "draft": mention_import.state == ImportState.DRAFT,
            "can_import": may_import(request.membership),
            "rows": _mapping_rows(mention_import, mapping),
            "presets": presets,
            "chosen_preset": chosen_preset,
            "error": error,
        },
        status=status,
    )


@org_page(write_role=IMPORT_ROLE)
@require_GET
def import_page(request: OrgRequest, import_pk: int) -> HttpResponse:
    """A draft: the mapping step (step 2). Started: its progress and report (step 3)."""
    return _import_page(request, _import(request, import_pk))


@org_page(write_role=IMPORT_ROLE)
@require_POST
def import_start(request: OrgRequest, import_pk: int) -> HttpResponse:
    """Start a draft with the chosen mapping (optionally saved as a preset)."""
    mention_import = _import(request, import_pk)
    mapping = {name: request.POST.get(f"map.{name}", "") for name in COLUMNS}
    preset = None
    preset_pk = request.POST.get("preset", "")
    if preset_pk.isdigit():
        preset = (
            selectors.import_preset_list(membership=request.membership)
            .filter(pk=int(preset_pk))
            .first()
        )
    try:
        import_services.mention_import_start(
            mention_import=mention_import,
            # Nothing chosen: the preset's mapping (or the header's own names).
            mapping={k: v for k, v in mapping.items() if v} or None,
            preset=preset,
            save_as=request.POST.get("save_as", ""),
        )
    except DomainError as exc:
        return _import_page(
            request, mention_import, mapping=mapping, error=exc.translated, status=400
        )
    messages.success(request, _("Import started; it runs in the background."))
    return redirect("web:import", request.organisation.slug, mention_import.pk)


@org_page(write_role=IMPORT_ROLE)
@require_GET
def import_progress(request: OrgRequest, import_pk: int) -> HttpResponse:
    """The progress bar and report alone (htmx polls it every second until the end)."""
    return render(
        request, "incidents/_import_progress.html", {"import": _import(request, import_pk)}
    )
