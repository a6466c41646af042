"""Web pages of incidents: the live board and the incident room (the dashboard is in
incidents.analytics.views, monitoring and post-mortems in their parts' views).

Thin: the same selectors and services as the API; refusals of a service become a message
or an error beside the field.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.core.confirm import confirmation
from crisisdesk.core.exceptions import DomainError
from incidents import selectors, services
from incidents.api.filters import IncidentFilter
from incidents.forms import (
    ArchiveFilterForm,
    AssignForm,
    BoardFilterForm,
    IncidentCreateForm,
    NoteForm,
    SeverityForm,
    TransitionForm,
)
from incidents.models import OPEN_STATUSES, Incident, Status, Visibility
from incidents.presentation import clock_views, event_views, row_context
from tenants import selectors as tenant_selectors
from tenants.forms import form_error
from tenants.models import Role
from tenants.policies import may_work
from tenants.tenancy import OrgRequest, org_page, scoped_get

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class _LastEvent(TypedDict):
        last_event_id: Any  # the newest event's id (None without events)


BOARD_PARAMS = ("brand", "team", "severity", "status", "assigned_to_me")
ARCHIVE_PARAMS = (*BOARD_PARAMS, "detected_from", "detected_to", "is_drill", "q")
ARCHIVE_PAGE_SIZE = 25

# Sections that the apps building on incidents add to the incident room (playbook tasks,
# responses, mentions, …). crisisdesk.web_urls registers them: incidents never imports those
# apps. A room section is called as section(request, incident, forms) and returns
# {"template": …, **context} or None. The dashboard's are in incidents.analytics.views.
RoomSection = Callable[[OrgRequest, Incident, dict[str, Any]], dict[str, Any] | None]
ROOM_SECTIONS: list[RoomSection] = []
# What resolving would leave behind (open playbook tasks, …), each a sentence; registered by
# crisisdesk.web_urls like the room sections. Any sentence turns "Resolve" into a confirmation.
ResolveWarning = Callable[[OrgRequest, Incident], list[str]]
RESOLVE_WARNINGS: list[ResolveWarning] = []


def _board_queryset(request: OrgRequest, params: QueryDict) -> QuerySet[Incident]:
    """Open incidents the member may see, filtered exactly as the API filters them."""
    scoped = selectors.incident_filter_open(
        selectors.incident_list(membership=request.membership), True
    )
    return IncidentFilter(data=params, queryset=scoped, request=request).qs


def _board_query(request: OrgRequest, names: tuple[str, ...] = BOARD_PARAMS) -> QueryDict:
    query = QueryDict(mutable=True)
    for name in names:
        values = [v for v in request.GET.getlist(name) if v]
        if values:
            query.setlist(name, values)
    return query


def _may_work(request: OrgRequest) -> bool:
    return may_work(request.membership)


# --- The board ---


# SEV1 sorts before SEV4 as a string; live.js's placeRow keeps the same order.
BOARD_ORDER = ("severity", "-id")


@org_page(write_role=Role.RESPONDER, client=("GET",))
def board(request: OrgRequest) -> HttpResponse:
    """Open incidents, the most severe first and the newest first within a severity (the
    BOARD_ORDER live.js keeps when a row arrives or changes). Asking for a resolved
    or closed status leads to the archive, with the same filters."""
    query = _board_query(request)
    if any(value not in OPEN_STATUSES for value in query.getlist("status")):
        url = reverse("web:incident-archive", args=[request.organisation.slug])
        return redirect(f"{url}?{query.urlencode()}")
    filters = BoardFilterForm(query or None, membership=request.membership, auto_id="filter_%s")
    incidents = list(
        _board_queryset(request, query)
        .annotate(last_event_id=Max("events__id"))
        .order_by(*BOARD_ORDER)
    )
    now = timezone.now()
    create_form = IncidentCreateForm(membership=request.membership, auto_id="new_%s")
    return _board_page(request, incidents, query, filters, create_form, now)


def _board_page(
    request: OrgRequest,
    incidents: "list[WithAnnotations[Incident, _LastEvent]]",
    query: QueryDict,
    filters: BoardFilterForm,
    create_form: IncidentCreateForm,
    now: datetime,
    status: int = 200,
) -> HttpResponse:
    slug = request.organisation.slug
    return render(
        request,
        "incidents/board.html",
        {
            "rows": [row_context(i, request, now) for i in incidents],
            "filters": filters,
            "create_form": create_form,
            "can_create": _may_work(request),
            "query": query.urlencode(),
            "last_event_id": max((i.last_event_id or 0 for i in incidents), default=0),
            "row_url": reverse("web:incident-row", args=[slug, 0]).replace("/0/", "/__id__/"),
        },
        status=status,
    )


@org_page(write_role=Role.RESPONDER, client=("GET",))
@require_GET
def archive(request: OrgRequest) -> HttpResponse:
    """Every incident the member may see, open or not, filtered (the API's filters) and paged,
    newest first: the way to a resolved or closed incident."""
    query = _board_query(request, ARCHIVE_PARAMS)
    filters = ArchiveFilterForm(query or None, membership=request.membership, auto_id="archive_%s")
    scoped = selectors.incident_list(membership=request.membership)
    # Invalid values are shown beside their field and ignored by the filter.
    incidents = IncidentFilter(data=query, queryset=scoped, request=request).qs.order_by("-id")
    page = Paginator(incidents, ARCHIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/archive.html",
        {"page": page, "incidents": list(page), "filters": filters, "query": query.urlencode()},
    )


@org_page(write_role=Role.RESPONDER, client=("GET",))
@require_GET
def board_row(request: OrgRequest, incident_pk: int) -> HttpResponse:
    """One board row, for live updates; empty when the incident no longer matches the board's
    filters (closed, resolved, filtered out), which removes the row."""
    _incident(request, incident_pk)  # 404 unless the member may see it at all
    incident = _board_queryset(request, _board_query(request)).filter(pk=incident_pk).first()
    if incident is None:
        return HttpResponse("")
    return render(
        request,
        "incidents/_board_row.html",
        {
            "row": row_context(incident, request, timezone.now()),
            "query": _board_query(request).urlencode(),
        },
    )


@org_page(write_role=Role.RESPONDER)
@require_POST
def incident_new(request: OrgRequest) -> HttpResponse:
    form = IncidentCreateForm(request.POST, membership=request.membership, auto_id="new_%s")
    if form.is_valid():
        try:
            incident = services.incident_create(by=request.membership, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(request, _("Incident opened."))
            return redirect("web:incident", request.organisation.slug, incident.pk)
    query = QueryDict()
    incidents = list(
        _board_queryset(request, query)
        .annotate(last_event_id=Max("events__id"))
        .order_by(*BOARD_ORDER)
    )
    filters = BoardFilterForm(None, membership=request.membership, auto_id="filter_%s")
    return _board_page(request, incidents, query, filters, form, timezone.now(), status=400)


# --- The incident room ---


def _incident(request: OrgRequest, incident_pk: int) -> Incident:
    return scoped_get(selectors.incident_list(membership=request.membership), incident_pk)


def _next_action(incident: Incident) -> tuple[str, str] | None:
    """What the room asks for next, as a sentence and the action that serves it (a button of
    the header: acknowledge, assign, respond, a status, the post-mortem)."""
    if incident.status == Status.DETECTED:
        return _("Acknowledge it: the clock to acknowledge is running."), "acknowledge"
    if incident.status == Status.CLOSED:
        return None
    if incident.commander_id is None and incident.is_open:
        return _("Name a commander who leads the response."), "assign"
    if incident.first_response_at is None and incident.is_open:
        return _("Publish a first public response: the clock to respond is running."), "respond"
    if incident.status in (Status.ACKNOWLEDGED, Status.RESPONDING):
        return _("When the posts calm down, move it to monitoring."), "status-monitoring"
    if incident.status == Status.MONITORING:
        return _("Resolve it when the mentions are back at their usual level."), "status-resolved"
    return _("Write the post-mortem while the facts are fresh."), "postmortem"


def _header_context(request: OrgRequest, incident: Incident) -> dict[str, Any]:
    allowed = [s for s in incident.allowed_next() if s not in (Status.ACKNOWLEDGED, Status.CLOSED)]
    can_work = _may_work(request)
    return {
        "incident": incident,
        "clocks": clock_views(incident, request.organisation),
        "can_work": can_work,
        "transitions": [(s, Status(s).label) for s in allowed],
        "next_action": _next_action(incident) if can_work else None,
    }


def render_room(
    request: OrgRequest, incident: Incident, status: int = 200, **forms: Any
) -> HttpResponse:
    """The incident room; `forms` carries bound forms with errors back to their section."""
    return _room(request, incident, status, **forms)


def _room(request: OrgRequest, incident: Incident, status: int = 200, **forms: Any) -> HttpResponse:
    membership = request.membership
    events = list(selectors.event_list(membership=request.membership, incident=incident))
    teams = {t.id: t.name for t in tenant_selectors.team_list(membership=membership)}
    context = _header_context(request, incident)
    context.update(
        {
            "events": event_views(events, teams, for_client=membership.is_client),
            "last_event_id": events[-1].id if events else 0,
            "note_form": forms.get("note_form") or NoteForm(auto_id="note_%s"),
            "severity_form": forms.get("severity_form")
            or SeverityForm(initial={"severity": incident.severity}, auto_id="severity_%s"),
            "assign_form": forms.get("assign_form")
            or AssignForm(
                membership=membership,
                initial={"teams": list(incident.teams.all()), "commander": incident.commander},
                auto_id="assign_%s",
            ),
            "sections": [
                section
                for provider in ROOM_SECTIONS
                if not membership.is_client or getattr(provider, "for_clients", False)
                if (section := provider(request, incident, forms)) is not None
            ],
        }
    )
    return render(request, "incidents/room.html", context, status=status)


@org_page(write_role=Role.RESPONDER, client=("GET",))
@require_GET
def room(request: OrgRequest, incident_pk: int) -> HttpResponse:
    return _room(request, _incident(request, incident_pk))


@org_page(write_role=Role.RESPONDER, client=("GET",))
@require_GET
def room_header(request: OrgRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    return render(request, "incidents/_room_header.html", _header_context(request, incident))


@org_page(write_role=Role.RESPONDER, client=("GET",))
@require_GET
def timeline(request: OrgRequest, incident_pk: int) -> HttpResponse:
    """Timeline entries after ?since=<event id>, for live.js to append."""
    incident = _incident(request, incident_pk)
    since = request.GET.get("since", "")
    events = list(
        selectors.event_list(
            membership=request.membership,
            incident=incident,
            since=int(since) if since.isdigit() else None,
        )
    )
    teams = {t.id: t.name for t in tenant_selectors.team_list(membership=request.membership)}
    views = event_views(events, teams, for_client=request.membership.is_client)
    return render(request, "incidents/_timeline.html", {"events": views})


def _back(request: OrgRequest, incident: Incident) -> HttpResponse:
    return redirect("web:incident", request.organisation.slug, incident.pk)


def _refused(request: OrgRequest, exc: DomainError) -> None:
    if exc.field == "status" and "allowed" in exc.extra:
        messages.error(
            request,
            _("This status change is not possible any more: the incident is now %(status)s.")
            % {"status": Status(exc.extra.get("current", Status.DETECTED)).label},
        )
    else:
        messages.error(request, exc.translated)


@org_page(write_role=Role.RESPONDER)
@require_POST
def acknowledge(request: OrgRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    try:
        services.incident_acknowledge(incident=incident, by=request.membership)
    except DomainError as exc:
        _refused(request, exc)
    return _back(request, incident)


@org_page(write_role=Role.RESPONDER)
@require_POST
def transition(request: OrgRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return _back(request, incident)
    if form.cleaned_data["status"] == Status.RESOLVED:
        warnings = [w for warn in RESOLVE_WARNINGS for w in warn(request, incident)]
        ask = warnings and confirmation(
            request,
            title=_("Resolve “%(title)s” with work left open?") % {"title": incident.title},
            consequence=_(
                "The incident is marked resolved and its post-mortem is drafted now: what "
                "is still open is reported there as it stands."
            ),
            warnings=warnings,
            action=_("Resolve anyway"),
            cancel_url=reverse("web:incident", args=[request.organisation.slug, incident.pk]),
        )
        if ask:
            return ask
    try:
        services.incident_transition(
            incident=incident,
            status=form.cleaned_data["status"],
            by=request.membership,
        )
    except DomainError as exc:
        _refused(request, exc)
    return _back(request, incident)


def _room_form_action(
    request: OrgRequest, incident: Any, form: Any, form_name: str, act: Any
) -> HttpResponse:
    """Validate a room form and call its service; a refusal lands beside the field and the
    room is shown again with the form as the person filled it."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            return _back(request, incident)
    return _room(request, incident, status=400, **{form_name: form})


# Alike assign and note below on purpose: the shared steps live in _room_form_action;
# what is left is each action's own form, prefix and service call.
@org_page(write_role=Role.RESPONDER)
@require_POST
def severity(request: OrgRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    return _room_form_action(
        request,
        incident,
        SeverityForm(request.POST, auto_id="severity_%s"),
        "severity_form",
        lambda data: services.incident_update(
            incident=incident, by=request.membership, severity=data["severity"]
        ),
    )


# Alike severity above and note below on purpose: the shared steps live in _room_form_action;
# what is left is each action's own form, prefix and service call.
@org_page(write_role=Role.RESPONDER)
@require_POST
def assign(request: OrgRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    return _room_form_action(
        request,
        incident,
        AssignForm(request.POST, membership=request.membership, auto_id="assign_%s"),
        "assign_form",
        lambda data: services.incident_assign(
            incident=incident,
            by=request.membership,
            teams=data["teams"],
            commander=data["commander"],
        ),
    )


# Alike severity and assign above on purpose: the shared steps live in _room_form_action;
# what is left is each action's own form, prefix and service call.
@org_page(write_role=Role.RESPONDER)
@require_POST
def note(request: OrgRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    return _room_form_action(
        request,
        incident,
        NoteForm(request.POST, auto_id="note_%s"),
        "note_form",
        lambda data: services.incident_add_note(
            incident=incident,
            text=data["text"],
            visibility=Visibility.CLIENT if data["for_client"] else Visibility.INTERNAL,
            by=request.membership,
        ),
    )
