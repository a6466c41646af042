"""Web pages of the template library: the list, the editor with its live preview and the
version history (managers write, everyone reads)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.core.exceptions import DomainError
from templates import policies, selectors, services
from templates.forms import TemplateForm
from templates.models import Channel, ResponseTemplate
from templates.rendering import (
    BUILTINS,
    body_problems,
    today_text,
)
from templates.rendering import (
    render as render_text,
)
from tenants import selectors as tenant_selectors
from tenants.forms import form_error
from tenants.models import Role
from tenants.tenancy import OrgRequest, org_page, scoped_get


def _template_preview(data: dict[str, Any], brand_name: str) -> dict[str, Any]:
    """The text with sample values, its length against the channel's limit, and the problems
    of the body (placeholders used but not declared, …) — the render service's own checks."""
    body = data.get("body", "")
    names = [v.strip() for v in data.get("variables", "").split(",") if v.strip()]
    channel = data["channel"] if data.get("channel") in Channel.values else Channel.X
    problems = body_problems(body=body, variables=names)
    if problems or not body:
        return {"problems": problems, "empty": not body}
    rendered = render_text(
        body=body,
        channel=channel,
        declared=names,
        values={name: f"[{name}]" for name in names},
        context={
            "brand": brand_name or "[brand]",
            "incident_title": "[incident_title]",
            "today": today_text(data.get("language") or "en", timezone.localdate()),
        },
    )
    return {
        "text": rendered.text,
        "length": rendered.length,
        "limit": rendered.limit,
        "within_limit": rendered.within_limit,
    }


@org_page()
@require_GET
def library(request: OrgRequest) -> HttpResponse:
    templates = selectors.template_list(membership=request.membership).order_by("language", "name")
    return render(
        request,
        "response_templates/library.html",
        {"templates": templates, "can_manage": policies.may_manage_templates(request.membership)},
    )


@org_page(read_role=Role.MANAGER)
@require_POST
def template_preview(request: OrgRequest) -> HttpResponse:
    """The editor's live preview (sample values in brackets)."""
    brand = ""
    if request.POST.get("brand"):
        try:
            brand = scoped_get(
                tenant_selectors.brand_list(membership=request.membership), request.POST["brand"]
            ).name
        except Http404:
            brand = ""
    return render(
        request,
        "response_templates/_template_preview.html",
        {"preview": _template_preview(request.POST.dict(), brand), "builtins": BUILTINS},
    )


def _refuse(form: TemplateForm, exc: DomainError) -> None:
    """A refused save on the field it names; a body that does not render, on the body."""
    form_error(form, exc.field or ("body" if "errors" in exc.extra else None), exc.translated)


def _saved(request: OrgRequest, template_pk: int) -> HttpResponse:
    messages.success(request, _("Template saved."))
    return redirect("web:template", request.organisation.slug, template_pk)


def _template_editor(
    request: OrgRequest, template: ResponseTemplate | None, form: TemplateForm, status: int
) -> HttpResponse:
    data = (
        request.POST.dict()
        if request.method == "POST"
        else {
            "body": form.initial.get("body", ""),
            "variables": form.initial.get("variables", ""),
            "channel": form.initial.get("channel", ""),
            "language": form.initial.get("language", ""),
        }
    )
    brand = template.brand.name if template is not None and template.brand else ""
    return render(
        request,
        "response_templates/editor.html",
        {
            "template_obj": template,
            "form": form,
            "preview": _template_preview(data, brand),
            "versions": (
                selectors.template_version_list(template=template) if template is not None else []
            ),
            "can_manage": policies.may_manage_templates(request.membership),
        },
        status=status,
    )


@org_page()
def template_new(request: OrgRequest) -> HttpResponse:
    membership = request.membership
    if not policies.may_manage_templates(membership):
        raise PermissionDenied
    form = TemplateForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(
                organisation=request.organisation,
                by=membership,
                **form.cleaned_data,
            )
        # Alike template_page on purpose: a create and an edit of the same form, each calling its
        # own service; the refusal and saved steps they share are _refuse and _saved.
        except DomainError as exc:
            _refuse(form, exc)
        else:
            return _saved(request, template.pk)
    return _template_editor(request, None, form, 400 if form.errors else 200)


@org_page()
def template_page(request: OrgRequest, template_pk: int) -> HttpResponse:
    """A template with its preview and version history; managers edit it (a new version)."""
    membership = request.membership
    obj = scoped_get(selectors.template_list(membership=membership), template_pk)
    version = obj.current_version
    initial = {
        "name": obj.name,
        "channel": obj.channel,
        "language": obj.language,
        "tone": obj.tone,
        "brand": obj.brand,
        "active": obj.active,
        "body": version.body if version else "",
        "variables": ", ".join(version.variables) if version else "",
    }
    form = TemplateForm(request.POST or None, membership=membership, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        body, variables = data.pop("body"), data.pop("variables")
        changed = version is None or body != version.body or variables != version.variables
        try:
            services.template_update(
                template=obj,
                by=membership,
                **({"body": body, "variables": variables} if changed else {}),
                **data,
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            return _saved(request, obj.pk)
    return _template_editor(request, obj, form, 400 if form.errors else 200)
