"""The organisation's settings page (owners): the outgoing webhook and its signing secret, and
the agency's logo (shown to every member, on the client portal and in the reports).

The secret is shown once: rotating it (POST) keeps the new value in the session for the very
next page only and redirects, so a reload of that page, or the back button, shows it no more.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.core.exceptions import DomainError
from tenants import branding, services
from tenants.forms import WebhookForm, form_error
from tenants.models import Role
from tenants.tenancy import OrgRequest, org_page

NO_STORE = "no-store"

# Sections the apps built on tenants add to the settings page (the Telegram bot); registered by
# crisisdesk.web_urls. Each is called as section(request) and returns {"template": …, **context}.
SettingsSection = Callable[[OrgRequest], dict[str, Any] | None]
SETTINGS_SECTIONS: list[SettingsSection] = []


def _secret_key(organisation_id: int) -> str:
    return f"webhook_secret_once:{organisation_id}"


def webhook_secret_show_once(request: HttpRequest, *, organisation_id: int, secret: str) -> None:
    """The settings page shows this secret on its next view only (creation and rotation)."""
    request.session[_secret_key(organisation_id)] = secret


@org_page(read_role=Role.OWNER, write_role=Role.OWNER)
def organisation_settings(request: OrgRequest) -> HttpResponse:
    organisation = request.organisation
    form = WebhookForm(request.POST or None, initial={"webhook_url": organisation.webhook_url})
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                organisation=organisation,
                by=request.membership,
                webhook_url=form.cleaned_data["webhook_url"],
            )
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("web:org-settings", organisation.slug)
    response = render(
        request,
        "tenants/organisation_settings.html",
        {
            "form": form,
            "new_secret": request.session.pop(_secret_key(organisation.id), None),
            "logo": branding.organisation_logo(organisation_id=organisation.id),
            "extra_sections": [
                section for provider in SETTINGS_SECTIONS if (section := provider(request))
            ],
        },
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = NO_STORE
    return response


@org_page(read_role=Role.OWNER, write_role=Role.OWNER)
@require_POST
def organisation_rotate_webhook_secret(request: OrgRequest) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm: the old secret stops working."))
        return redirect("web:org-settings", request.organisation.slug)
    secret = services.organisation_rotate_webhook_secret(
        organisation=request.organisation, by=request.membership
    )
    webhook_secret_show_once(request, organisation_id=request.organisation.id, secret=secret)
    return redirect("web:org-settings", request.organisation.slug)


# --- the agency's logo (tenants/branding.py validates and re-encodes it) ---


@org_page(read_role=Role.OWNER, write_role=Role.OWNER)
@require_POST
def organisation_logo_upload(request: OrgRequest) -> HttpResponse:
    upload = request.FILES.get("logo")
    if upload is None:
        messages.error(request, _("Choose an image file."))
        return redirect("web:org-settings", request.organisation.slug)
    if upload.size is not None and upload.size > branding.LOGO_MAX_BYTES:
        messages.error(request, _("The image is larger than 1 MB."))
        return redirect("web:org-settings", request.organisation.slug)
    try:
        branding.organisation_logo_set(
            organisation=request.organisation,
            by=request.membership,
            data=upload.read(branding.LOGO_MAX_BYTES + 1),
        )
    except DomainError as exc:
        messages.error(request, exc.translated)
    else:
        messages.success(request, _("Logo saved."))
    return redirect("web:org-settings", request.organisation.slug)


@org_page(read_role=Role.OWNER, write_role=Role.OWNER)
@require_POST
def organisation_logo_remove(request: OrgRequest) -> HttpResponse:
    branding.organisation_logo_remove(organisation=request.organisation, by=request.membership)
    messages.success(request, _("Logo removed."))
    return redirect("web:org-settings", request.organisation.slug)


@org_page(client=("GET", "HEAD"))
@require_GET
def organisation_logo_image(request: OrgRequest) -> HttpResponse:
    """The logo for the organisation's members (agency and client staff): the stored PNG,
    never sniffed, never a document (sandboxed), cached privately and revalidated."""
    logo = branding.organisation_logo(organisation_id=request.organisation.id)
    if logo is None:
        raise Http404
    etag = quote_etag(f"logo-{logo.organisation_id}-{int(logo.updated_at.timestamp() * 1000)}")
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(bytes(logo.image), content_type="image/png")
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response
