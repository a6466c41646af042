"""The organisation's settings page (owners): the outgoing webhook and its signing secret.

The secret is shown once: rotating it (POST) keeps the new value in the session for the very
next page only and redirects, so a reload of that page, or the back button, shows it no more.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crisisdesk.core.exceptions import DomainError
from tenants import services
from tenants.forms import WebhookForm, form_error
from tenants.models import Role
from tenants.tenancy import OrgRequest, org_page

NO_STORE = "no-store"

# Sections the apps built on tenants add to the settings page (the Telegram bot); registered by
# crisisdesk.web_urls. Each is called as section(request) and returns {"template": …, **context}.
SettingsSection = Callable[[HttpRequest], dict[str, Any] | None]
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
                actor=request.user,
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
        organisation=request.organisation, actor=request.user
    )
    webhook_secret_show_once(request, organisation_id=request.organisation.id, secret=secret)
    return redirect("web:org-settings", request.organisation.slug)
