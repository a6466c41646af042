"""Web pages of responses in the incident room: the template picker, the variables form, the
live preview with the channel's length counter, and submit / approve / reject / publish.

Thin: the rendering service and the responses services; the incident from the scoped
selector. Refusals land beside the draft form or as a message.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.core.confirm import confirmation
from crisisdesk.core.exceptions import DomainError
from incidents.models import Incident
from incidents.presentation import client_section
from incidents.selectors import incident_list
from incidents.views import render_room
from templates import policies, selectors, services
from templates.models import Channel, Response, ResponseTemplate
from templates.rendering import (
    VariablesRefused,
    measure,
    template_render,
)
from templates.services import statements
from tenants.models import Role
from tenants.tenancy import OrgRequest, org_page, scoped_get


def _incident(request: OrgRequest, incident_pk: int) -> Incident:
    return scoped_get(incident_list(membership=request.membership), incident_pk)


def _templates_for(request: OrgRequest, incident: Incident) -> QuerySet[ResponseTemplate]:
    """Active templates usable for the incident's brand (every-brand ones and its own)."""
    return (
        selectors.template_list(membership=request.membership)
        .filter(active=True, current_version__isnull=False)
        .filter(Q(brand__isnull=True) | Q(brand_id=incident.brand_id))
        .order_by("language", "name")
    )


def _message(exc: DomainError) -> str:
    """A refusal in the user's language (the services' length message has numbers in it)."""
    if "length" in exc.extra and "limit" in exc.extra:
        return _("The text is %(length)s characters; this channel allows %(limit)s.") % {
            "length": exc.extra["length"],
            "limit": exc.extra["limit"],
        }
    if isinstance(exc, VariablesRefused):
        return _("Fill in every variable: %(names)s.") % {
            "names": ", ".join(exc.extra.get("missing", []) + exc.extra.get("unknown", []))
        }
    return exc.translated


def _draft_state(request: OrgRequest, incident: Incident) -> dict[str, Any]:
    """What the draft form holds: a template and its values, or a channel and free text."""
    templates = _templates_for(request, incident)
    template = None
    raw = request.POST.get("template") or request.GET.get("template") or ""
    if raw:
        try:
            template = scoped_get(templates, raw)
        except Http404:
            template = None
    names = list(template.current_version.variables) if template is not None else []
    return {
        "template": template,
        "template_id": template.id if template is not None else None,
        "variables": [
            {"name": name, "value": request.POST.get(f"var_{name}", "")} for name in names
        ],
        "channel": request.POST.get("channel") or Channel.X,
        "body": request.POST.get("body", ""),
    }


def _preview(incident: Incident, draft: dict[str, Any]) -> dict[str, Any]:
    """The rendered text and its length against the channel's limit, via the render service."""
    template = draft["template"]
    if template is not None:
        values = {v["name"]: v["value"] for v in draft["variables"]}
        try:
            rendered = template_render(template=template, values=values, incident=incident)
        except VariablesRefused as exc:
            return {"missing": exc.extra.get("missing", []), "channel": template.channel}
        except DomainError as exc:
            return {"error": _message(exc), "channel": template.channel}
        return {
            "text": rendered.text,
            "length": rendered.length,
            "limit": rendered.limit,
            "within_limit": rendered.within_limit,
            "channel": template.channel,
        }
    if not draft["body"]:
        return {"empty": True, "channel": draft["channel"]}
    channel = draft["channel"] if draft["channel"] in Channel.values else Channel.X
    length, limit, within, _warnings = measure(text=draft["body"], channel=channel)
    return {
        "text": draft["body"],
        "length": length,
        "limit": limit,
        "within_limit": within,
        "channel": channel,
    }


@client_section
def responses_section(
    request: OrgRequest, incident: Incident, forms: dict[str, Any]
) -> dict[str, Any]:
    """The room's responses: the list with the actions the member may take, and the draft form
    (bound and with its refusal after a failed save)."""
    membership = request.membership
    draft = forms.get("response_draft") or {
        "template": None,
        "template_id": None,
        "variables": [],
        "channel": Channel.X,
        "body": "",
    }
    # The statement page's doors refuse client staff before the service's rule.
    statement_page_manage = policies.may_publish_statement(membership)
    items = []
    for response in selectors.response_list(incident=incident, membership=membership).order_by(
        "-id"
    ):
        items.append(
            {
                "response": response,
                "can_edit": policies.may_change_draft(membership, response),
                "can_submit": policies.may_submit_response(membership, response),
                "can_approve": policies.may_approve(membership, response, incident.brand),
                "can_reject": policies.may_reject(membership, response, incident.brand),
                "can_publish": policies.may_publish_response(membership, response),
                "over_limit": response.limit is not None and len(response.body) > response.limit,
            }
        )
    return {
        "template": "response_templates/_responses.html",
        "place": "side",
        "incident": incident,
        "items": items,
        "templates": [] if membership.is_client else list(_templates_for(request, incident)),
        "channels": Channel.choices,
        "draft": draft,
        "preview": _preview(incident, draft) if draft.get("template") or draft.get("body") else {},
        "error": forms.get("response_error"),
        "can_work": policies.may_work_responses(membership, incident),
        "statement_page_manage": statement_page_manage,
        "statement_page": statements.statement_page_of(incident=incident)
        if statement_page_manage
        else None,
    }


def _back(request: OrgRequest, incident: Incident) -> HttpResponse:
    # Client staff acting from their portal go back to it (a fixed route, never a given URL).
    if request.membership.is_client and request.POST.get("back") == "portal":
        return redirect("web:portal", request.organisation.slug)
    return redirect(f"/o/{request.organisation.slug}/incidents/{incident.pk}/#section-responses")


@org_page(write_role=Role.RESPONDER, client=("GET",))
@require_GET
def responses(request: OrgRequest, incident_pk: int) -> HttpResponse:
    """The responses list alone, for live refreshes."""
    incident = _incident(request, incident_pk)
    section = responses_section(request, incident, {})
    return render(request, "response_templates/_response_list.html", {"section": section})


@org_page(write_role=Role.RESPONDER)
@require_GET
def variables(request: OrgRequest, incident_pk: int) -> HttpResponse:
    """The variable inputs of the chosen template (the picker swaps them in)."""
    incident = _incident(request, incident_pk)
    draft = _draft_state(request, incident)
    response = render(
        request,
        "response_templates/_variables.html",
        {"draft": draft, "channels": Channel.choices},
    )
    # Once the new inputs are in place, the draft form asks for a fresh preview.
    response["HX-Trigger-After-Settle"] = "cd-variables"
    return response


@org_page(read_role=Role.RESPONDER, write_role=Role.RESPONDER)
@require_POST
def preview(request: OrgRequest, incident_pk: int) -> HttpResponse:
    """The live preview: the rendered text and the channel's length counter."""
    incident = _incident(request, incident_pk)
    draft = _draft_state(request, incident)
    return render(
        request, "response_templates/_preview.html", {"preview": _preview(incident, draft)}
    )


@org_page(write_role=Role.RESPONDER)
@require_POST
def draft(request: OrgRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    state = _draft_state(request, incident)
    template = state["template"]
    try:
        if template is not None:
            services.response_create(
                incident=incident,
                by=request.membership,
                template=template,
                variables={v["name"]: v["value"] for v in state["variables"]},
            )
        else:
            services.response_create(
                incident=incident,
                by=request.membership,
                channel=state["channel"],
                body=state["body"],
            )
    except DomainError as exc:
        if isinstance(exc, VariablesRefused):
            missing = set(exc.extra.get("missing", []))
            for variable in state["variables"]:
                variable["missing"] = variable["name"] in missing
        return render_room(
            request, incident, status=400, response_draft=state, response_error=_message(exc)
        )
    messages.success(request, _("Response drafted. Submit it for approval when it is ready."))
    return _back(request, incident)


def _response(request: OrgRequest, incident: Incident, response_pk: int) -> Response:
    return scoped_get(
        selectors.response_list(incident=incident, membership=request.membership), response_pk
    )


def _act(
    request: OrgRequest, incident_pk: int, response_pk: int, act: Any, done: str
) -> HttpResponse:
    incident = _incident(request, incident_pk)
    response = _response(request, incident, response_pk)
    try:
        act(response)
    except DomainError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, done)
    return _back(request, incident)


# Alike edit, delete, approve, reject and publish on purpose: the shared steps are in _act;
# what stays is each page's role, its own service call and its own success message.
@org_page(write_role=Role.RESPONDER)
@require_POST
def submit(request: OrgRequest, incident_pk: int, response_pk: int) -> HttpResponse:
    return _act(
        request,
        incident_pk,
        response_pk,
        lambda r: services.response_submit(response=r, by=request.membership),
        _("Submitted for approval."),
    )


# Alike reject on purpose: each reads its own form field before handing its service to _act.
@org_page(write_role=Role.RESPONDER)
@require_POST
def edit(request: OrgRequest, incident_pk: int, response_pk: int) -> HttpResponse:
    """Rewrite the text of a draft or a rejected response (a rejected one becomes a draft)."""
    body = request.POST.get("body", "")
    return _act(
        request,
        incident_pk,
        response_pk,
        lambda r: services.response_update(response=r, by=request.membership, body=body),
        _("Response saved."),
    )


# Alike submit and approve on purpose: a discard asks for confirmation first, then goes to _act.
@org_page(write_role=Role.RESPONDER)
@require_POST
def delete(request: OrgRequest, incident_pk: int, response_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    response = _response(request, incident, response_pk)
    ask = confirmation(
        request,
        title=_("Discard response #%(id)s (%(channel)s)?")
        % {"id": response.pk, "channel": response.get_channel_display()},
        consequence=_(
            "The response is discarded: its text is gone from the incident and it cannot "
            "be submitted or published. The timeline keeps a record that it was discarded."
        ),
        action=_("Discard the response"),
        cancel_url=f"/o/{request.organisation.slug}/incidents/{incident.pk}/#section-responses",
    )
    if ask:
        return ask
    return _act(
        request,
        incident_pk,
        response_pk,
        lambda r: services.response_delete(response=r, by=request.membership),
        _("Response discarded."),
    )


# Viewers may be a client's own approvers: the service decides who approves.
@org_page(write_role=Role.VIEWER, client=("POST",))
@require_POST
def approve(request: OrgRequest, incident_pk: int, response_pk: int) -> HttpResponse:
    return _act(
        request,
        incident_pk,
        response_pk,
        lambda r: services.response_approve(response=r, by=request.membership),
        _("Response approved."),
    )


@org_page(write_role=Role.VIEWER, client=("POST",))
@require_POST
def reject(request: OrgRequest, incident_pk: int, response_pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        incident_pk,
        response_pk,
        lambda r: services.response_reject(response=r, by=request.membership, reason=reason),
        _("Response sent back for changes."),
    )


@org_page(write_role=Role.RESPONDER)
@require_POST
def publish(request: OrgRequest, incident_pk: int, response_pk: int) -> HttpResponse:
    url = request.POST.get("url", "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        messages.error(request, _("Give the address where the response was published."))
        return _back(request, _incident(request, incident_pk))
    return _act(
        request,
        incident_pk,
        response_pk,
        lambda r: services.response_publish(response=r, by=request.membership, url=url),
        _("Publication recorded."),
    )


# Alike statement_page_withdraw on purpose: withdrawing asks for the tick box first, and each
# reports its own outcome; neither is a response, so _act does not fit them.
@org_page(write_role=Role.MANAGER)
@require_POST
def statement_page_publish(request: OrgRequest, incident_pk: int) -> HttpResponse:
    incident = scoped_get(incident_list(membership=request.membership), incident_pk)
    try:
        statements.statement_page_publish(incident=incident, by=request.membership)
    except DomainError as exc:
        messages.error(request, exc.translated)
    else:
        messages.success(request, _("The public statement page is published."))
    return _back(request, incident)


@org_page(write_role=Role.MANAGER)
@require_POST
def statement_page_withdraw(request: OrgRequest, incident_pk: int) -> HttpResponse:
    incident = scoped_get(incident_list(membership=request.membership), incident_pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the withdrawal."))
        return _back(request, incident)
    try:
        statements.statement_page_withdraw(incident=incident, by=request.membership)
    except DomainError as exc:
        messages.error(request, exc.translated)
    else:
        messages.success(request, _("The public statement page is withdrawn."))
    return _back(request, incident)
