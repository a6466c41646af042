"""Web pages of post-mortems: the review queue, the editor with the prefilled data, the
review (request changes, approve), action items and the exports; plus the post-mortem card of
the incident room and the "waiting for my review" card of the dashboard.

Thin: the post-mortem services and selectors; a refusal of a service lands beside its field
or as a message. Which buttons show is asked of the post-mortem policies, the rules the services apply.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.charts import stacked_bars
from crisisdesk.core.confirm import confirmation
from crisisdesk.core.exceptions import DomainError, Forbidden
from crisisdesk.core.time import duration_words
from incidents.events import key_event_label
from incidents.metrics import METRICS
from incidents.models import Incident, Status
from incidents.postmortems import exports, policies, selectors, services
from incidents.postmortems.forms import (
    ActionItemForm,
    ListFilterForm,
    PostMortemForm,
    RequestChangesForm,
)
from incidents.postmortems.models import ActionItem, ActionItemStatus, PostMortem
from incidents.presentation import client_section
from incidents.sla import CLOCK_LABELS
from tenants.forms import form_error
from tenants.models import Role, Severity
from tenants.tenancy import OrgRequest, org_page, scoped_get

LIST_LIMIT = 100
MAX_BARS = 48

METRIC_LABELS = tuple((m.name, m.clock) for m in METRICS)
PHASE_LABELS = {
    "before": pgettext_lazy("mentions", "Before"),
    "during": pgettext_lazy("mentions", "During"),
    "after": pgettext_lazy("mentions", "After"),
}


# --- Helpers ---


def _postmortem(request: OrgRequest, postmortem_pk: int) -> PostMortem:
    return scoped_get(selectors.postmortem_list(membership=request.membership), postmortem_pk)


def _message(exc: DomainError) -> str:
    """A refusal in the user's language (a post-mortem locked in its state says so with the
    state's label: policies.PostMortemLocked)."""
    return exc.translated


def _back(request: OrgRequest, postmortem: PostMortem) -> HttpResponse:
    return redirect("web:postmortem", request.organisation.slug, postmortem.pk)


def _when(value: str | None) -> datetime | None:
    parsed = parse_datetime(value) if value else None
    return timezone.localtime(parsed) if parsed else None


def _minutes(seconds: float | None) -> str:
    return duration_words(seconds) if seconds is not None else "—"


def _detail(kind: str, payload: dict[str, Any]) -> str:
    """What a key event changed, in words: the new status or severity."""
    value = payload.get("to") if kind in ("status_changed", "severity_changed") else None
    if kind == "created":
        value = payload.get("severity")
    if value in Status.values:
        return str(Status(value).label)
    if value in Severity.values:
        return str(Severity(value).label)
    return ""


def _prefill_views(postmortem: PostMortem) -> dict[str, Any]:
    """The prefill (plain JSON) as the editor shows it: local times, labels, a chart."""
    prefill = postmortem.prefill or {}
    timeline = [
        {
            "at": _when(e.get("at")),
            "label": key_event_label(e.get("kind", "")),
            "actor": e.get("actor"),
            "detail": _detail(e.get("kind", ""), e.get("payload", {})),
        }
        for e in prefill.get("timeline", [])
    ]
    found = prefill.get("metrics", {})
    metrics = [
        {
            "label": CLOCK_LABELS[kind],
            "actual": _minutes(found.get(name, {}).get("seconds")),
            "target": _minutes(found.get(name, {}).get("target_seconds")),
            "within": found.get(name, {}).get("within_sla"),
        }
        for name, kind in METRIC_LABELS
    ]
    mentions = prefill.get("mentions", {})
    hourly = mentions.get("hourly", [])
    size = max(1, -(-len(hourly) // MAX_BARS))
    groups = [hourly[i : i + size] for i in range(0, len(hourly), size)]
    labels, dates = [], []
    for group in groups:
        start = _when(group[0]["hour"])
        labels.append(formats.date_format(start, "H:i") if start else "")
        dates.append(formats.date_format(start, "j M") if start else "")
    chart = stacked_bars(
        labels,
        [sum(h["total"] for h in g) for g in groups],
        [sum(h["negative"] for h in g) for g in groups],
        label_every=max(1, len(groups) // 6),
        dates=dates,
    )
    found_phases = mentions.get("phases", {})
    phases = [
        {"label": label, **found_phases[name]}
        for name, label in PHASE_LABELS.items()
        if name in found_phases
    ]
    peak = mentions.get("peak_hour")
    approvals = prefill.get("approvals", {})
    return {
        "timeline": timeline,
        "metrics": metrics,
        "mentions": mentions,
        "phases": phases,
        "peak": {"at": _when(peak["hour"]), "total": peak["total"]} if peak else None,
        "chart": chart,
        "tasks": prefill.get("tasks", {}),
        "approvals": {
            "count": approvals.get("count", 0),
            "median": _minutes(approvals.get("median_wait_seconds")),
            "max": _minutes(approvals.get("max_wait_seconds")),
        },
        "responses_published": prefill.get("responses_published", 0),
    }


def _editor(
    request: OrgRequest, postmortem: PostMortem, status: int = 200, **bound: Any
) -> HttpResponse:
    membership = request.membership
    editable = policies.may_edit(membership, postmortem)
    items = list(postmortem.action_items.select_related("owner__user"))
    edit_item = bound.get("edit_item")
    today = timezone.localdate()
    item_rows = [
        {
            "item": item,
            "overdue": item.status == ActionItemStatus.OPEN
            and item.due_date is not None
            and item.due_date < today,
            "form": bound["item_form"]
            if edit_item is not None and edit_item == item.id
            else ActionItemForm(
                membership=membership,
                initial={
                    "title": item.title,
                    "owner": item.owner_id,
                    "due_date": item.due_date,
                    "status": item.status,
                },
                auto_id=f"item{item.id}_%s",
            ),
            "editing": edit_item == item.id,
        }
        for item in items
    ]
    context = {
        "postmortem": postmortem,
        "incident": postmortem.incident,
        "data": _prefill_views(postmortem),
        "form": bound.get("form")
        or PostMortemForm(
            initial={name: getattr(postmortem, name) for name in services.WRITTEN_SECTIONS},
            auto_id="pm_%s",
        ),
        "sections": [
            (PostMortemForm.base_fields[name].label, getattr(postmortem, name))
            for name in services.WRITTEN_SECTIONS
        ],
        "changes_form": bound.get("changes_form") or RequestChangesForm(auto_id="changes_%s"),
        "new_item_form": bound.get("new_item_form")
        or ActionItemForm(membership=membership, auto_id="newitem_%s"),
        "items": item_rows,
        "comments": [{**c, "at": _when(c.get("at"))} for c in postmortem.review_comments],
        "editable": editable,
        "can_submit": policies.may_submit(membership, postmortem),
        "can_review": policies.may_review(membership, postmortem),
        "can_manage_items": policies.may_manage_items(membership),
        "open_item_status": ActionItemStatus.OPEN,
    }
    return render(request, "incidents/postmortem_editor.html", context, status=status)


# --- Pages ---


@org_page(write_role=Role.RESPONDER, client=("GET",))
@require_GET
def postmortem_list(request: OrgRequest) -> HttpResponse:
    """The review queue: every post-mortem the member may see, filterable."""
    membership = request.membership
    filters = ListFilterForm(request.GET or None, auto_id="filter_%s")
    qs = selectors.postmortem_list(membership=membership)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["mine"]:
            qs = selectors.postmortem_waiting_for_review(qs, membership)
        if data["q"].strip():
            qs = selectors.postmortem_search(qs, data["q"].strip())
    postmortems = list(qs.order_by("-id")[:LIST_LIMIT])
    waiting = selectors.postmortem_waiting_for_review(
        selectors.postmortem_list(membership=membership), membership
    ).count()
    # Alike playbooks/views.py's library page on purpose: its own template and context.
    return render(
        request,
        "incidents/postmortem_list.html",
        {
            "filters": filters,
            "postmortems": postmortems,
            "waiting": waiting,
            "limit": LIST_LIMIT,
        },
    )


# Alike action_item_new and action_item_edit on purpose: the shared steps live in
# _editor_form_action; what is left is each one's form, service call and message.
@org_page(write_role=Role.RESPONDER, client=("GET",))
def postmortem_page(request: OrgRequest, postmortem_pk: int) -> HttpResponse:
    """GET: the editor (read-only past the draft); POST: save the written sections. Client
    staff read the client post-mortem (the client export's page)."""
    postmortem = _postmortem(request, postmortem_pk)
    if request.membership.is_client:
        return HttpResponse(exports.postmortem_html(postmortem=postmortem, audience="client"))
    if request.method != "POST":
        return _editor(request, postmortem)
    form = PostMortemForm(request.POST, auto_id="pm_%s")
    return _editor_form_action(
        request,
        postmortem,
        form,
        lambda data: services.postmortem_update(
            postmortem=postmortem, by=request.membership, **data
        ),
        _("Post-mortem saved."),
        form=form,
    )


# Alike action_item_done on purpose: its own service and message, then back to the editor.
@org_page(write_role=Role.RESPONDER)
@require_POST
def postmortem_submit(request: OrgRequest, postmortem_pk: int) -> HttpResponse:
    """Save the sections sent with it (the editor's "save and submit"), then submit."""
    postmortem = _postmortem(request, postmortem_pk)
    form = PostMortemForm(request.POST, auto_id="pm_%s")
    sent = {name for name in services.WRITTEN_SECTIONS if name in request.POST}
    try:
        if sent and form.is_valid():
            services.postmortem_update(
                postmortem=postmortem,
                by=request.membership,
                **{name: form.cleaned_data[name] for name in sent},
            )
        postmortem = services.postmortem_submit(postmortem=postmortem, by=request.membership)
    except Forbidden as exc:
        messages.error(request, _message(exc))
        return _back(request, postmortem)
    except DomainError as exc:
        if not sent:
            messages.error(request, _message(exc))
            return _back(request, postmortem)
        form_error(form, exc.field if exc.field in form.fields else None, _message(exc))
        return _editor(request, _postmortem(request, postmortem_pk), status=400, form=form)
    messages.success(request, _("Post-mortem submitted for review."))
    return _back(request, postmortem)


# Alike tenants/views_settings.py's forms on purpose: a refusal of the comments stays on the
# form, any other refusal is a message; its own form and service.
@org_page(write_role=Role.MANAGER)
@require_POST
def postmortem_request_changes(request: OrgRequest, postmortem_pk: int) -> HttpResponse:
    postmortem = _postmortem(request, postmortem_pk)
    form = RequestChangesForm(request.POST, auto_id="changes_%s")
    if form.is_valid():
        try:
            services.postmortem_request_changes(
                postmortem=postmortem,
                by=request.membership,
                comments=form.cleaned_data["comments"],
            )
        except DomainError as exc:
            if exc.field == "comments":
                form_error(form, "comments", _message(exc))
            else:
                messages.error(request, _message(exc))
                return _back(request, postmortem)
        else:
            messages.success(request, _("Changes requested."))
            return _back(request, postmortem)
    return _editor(request, postmortem, status=400, changes_form=form)


# Alike tenants/views.py's confirmed actions on purpose: each confirmation names its own
# consequence (here: the incident is closed) and calls its own service.
@org_page(write_role=Role.MANAGER)
@require_POST
def postmortem_approve(request: OrgRequest, postmortem_pk: int) -> HttpResponse:
    """Approve; the service closes the incident."""
    postmortem = _postmortem(request, postmortem_pk)
    ask = confirmation(
        request,
        title=_("Approve the post-mortem and close incident #%(id)s?")
        % {"id": postmortem.incident_id},
        consequence=_(
            "The post-mortem is approved as it stands and the incident is closed: a closed "
            "incident cannot be reopened or edited, and the post-mortem cannot be changed."
        ),
        action=_("Approve and close the incident"),
        cancel_url=reverse("web:postmortem", args=[request.organisation.slug, postmortem.pk]),
    )
    if ask:
        return ask
    try:
        services.postmortem_approve(postmortem=postmortem, by=request.membership)
    except DomainError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("Post-mortem approved; the incident is closed."))
    return _back(request, postmortem)


@org_page(write_role=Role.RESPONDER, client=("GET",))
@require_GET
def postmortem_export(request: OrgRequest, postmortem_pk: int) -> HttpResponse:
    """?format=md|html&audience=internal|client; the export is audited by the service.
    Client staff get the client version whatever they ask for."""
    postmortem = _postmortem(request, postmortem_pk)
    fmt = request.GET.get("format", "md")
    audience = request.GET.get("audience", "internal")
    if fmt not in ("md", "html") or audience not in ("internal", "client"):
        messages.error(request, _("Choose an export format and audience."))
        return _back(request, postmortem)
    audience = exports.audience_for(request.membership, audience)
    body = exports.postmortem_export(
        postmortem=postmortem, fmt=fmt, audience=audience, by=request.membership
    )
    content_type = "text/markdown" if fmt == "md" else "text/html"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    disposition = "attachment" if fmt == "md" else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="postmortem-{postmortem.incident_id}-{audience}.{fmt}"'
    )
    return response


# --- Action items (the item's id is a form field: URL kwargs name models the isolation
# walk knows, and the item is looked up inside the scoped post-mortem) ---


def _editor_form_action(
    request: OrgRequest,
    postmortem: PostMortem,
    form: Any,
    act: Callable[[dict[str, Any]], object],
    success: str,
    /,
    **bound: Any,
) -> HttpResponse:
    """Validate an editor form and call its service; a refusal lands beside its field (or on
    the form) and the editor is shown again with the form as the person filled it (`bound`)."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc.field if exc.field in form.fields else None, _message(exc))
        else:
            messages.success(request, success)
            return _back(request, postmortem)
    return _editor(request, postmortem, status=400, **bound)


def _item(postmortem: PostMortem, value: str) -> ActionItem:
    return scoped_get(postmortem.action_items.all(), value)


# Alike postmortem_page on purpose: each calls _editor_form_action with its own service.
@org_page(write_role=Role.RESPONDER)
@require_POST
def action_item_new(request: OrgRequest, postmortem_pk: int) -> HttpResponse:
    postmortem = _postmortem(request, postmortem_pk)
    form = ActionItemForm(request.POST, membership=request.membership, auto_id="newitem_%s")
    return _editor_form_action(
        request,
        postmortem,
        form,
        lambda data: services.action_item_create(
            postmortem=postmortem, **{k: v for k, v in data.items() if k != "status"}
        ),
        _("Action item added."),
        new_item_form=form,
    )


@org_page(write_role=Role.RESPONDER)
@require_POST
def action_item_edit(request: OrgRequest, postmortem_pk: int) -> HttpResponse:
    postmortem = _postmortem(request, postmortem_pk)
    item = _item(postmortem, request.POST.get("item", ""))
    form = ActionItemForm(request.POST, membership=request.membership, auto_id=f"item{item.id}_%s")

    def update(data: dict[str, Any]) -> ActionItem:
        # An empty status leaves the item's status as it is.
        fields = {k: v for k, v in data.items() if k != "status" or v}
        return services.action_item_update(item=item, **fields)

    return _editor_form_action(
        request,
        postmortem,
        form,
        update,
        _("Action item saved."),
        item_form=form,
        edit_item=item.id,
    )


@org_page(write_role=Role.RESPONDER)
@require_POST
def action_item_done(request: OrgRequest, postmortem_pk: int) -> HttpResponse:
    postmortem = _postmortem(request, postmortem_pk)
    item = _item(postmortem, request.POST.get("item", ""))
    services.action_item_update(item=item, status=ActionItemStatus.DONE)
    messages.success(request, _("Action item done."))
    return _back(request, postmortem)


# Alike tenants/views.py's confirmed deletions on purpose: its own consequence and service.
@org_page(write_role=Role.RESPONDER)
@require_POST
def action_item_delete(request: OrgRequest, postmortem_pk: int) -> HttpResponse:
    postmortem = _postmortem(request, postmortem_pk)
    item = _item(postmortem, request.POST.get("item", ""))
    ask = confirmation(
        request,
        title=_("Delete the action item “%(title)s”?") % {"title": item.title},
        consequence=_(
            "The action item is deleted with its owner and due date; this cannot be undone."
        ),
        action=_("Delete the action item"),
        cancel_url=reverse("web:postmortem", args=[request.organisation.slug, postmortem.pk]),
    )
    if ask:
        return ask
    services.action_item_delete(item=item)
    messages.success(request, _("Action item deleted."))
    return _back(request, postmortem)


# --- Sections of other pages (registered in crisisdesk.web_urls) ---


@client_section
def room_section(
    request: OrgRequest, incident: Incident, forms: dict[str, Any]
) -> dict[str, Any] | None:
    """The incident room's post-mortem card: its state and a link, once it is drafted."""
    postmortem = (
        selectors.postmortem_list(membership=request.membership)
        .filter(incident_id=incident.id)
        .first()
    )
    return {
        "template": "incidents/postmortem_room_card.html",
        "place": "side",
        "incident": incident,
        "postmortem": postmortem,
    }


def dashboard_section(request: OrgRequest) -> dict[str, Any] | None:
    """The dashboard's "post-mortems waiting for my review" (managers and owners only)."""
    membership = request.membership
    if not policies.may_review_postmortems(membership):
        return None
    waiting = list(
        selectors.postmortem_waiting_for_review(
            selectors.postmortem_list(membership=membership), membership
        ).order_by("submitted_at", "id")[:10]
    )
    return {"template": "incidents/postmortem_review_card.html", "postmortems": waiting}
