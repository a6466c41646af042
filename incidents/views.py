"""Web pages of incidents: the dashboard, the live board and the incident room.

Thin: the same selectors and services as the API; refusals of a service become a message
or an error beside the field.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from django.contrib import messages
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.api import DomainError
from crisisdesk.charts import line_chart, stacked_bars
from incidents import selectors, services
from incidents.api.filters import IncidentFilter
from incidents.forms import (
    AssignForm,
    BoardFilterForm,
    IncidentCreateForm,
    MonitoringRuleForm,
    NoteForm,
    SeverityForm,
    TransitionForm,
)
from incidents.models import OPEN_STATUSES, Incident, MonitoringRule, Status
from incidents.presentation import clock_views, event_views, next_clock
from incidents.selectors import dashboard as dashboard_selectors
from tenants import selectors as tenant_selectors
from tenants.forms import form_error
from tenants.models import Brand, Role, Severity
from tenants.views import render_brand
from tenants.web import org_page, scoped_get

DOMAIN_MESSAGES = [
    gettext_noop("A rule needs keywords, a minimum negative volume, or both."),
    gettext_noop("A closed incident cannot be edited."),
    gettext_noop("Give teams, a commander, or both."),
    gettext_noop("A note cannot be empty."),
    gettext_noop("Commander not found."),
]

BOARD_PARAMS = ("brand", "team", "severity", "status", "assigned_to_me")

# Sections that the apps building on incidents add to the incident room and the dashboard
# (playbook tasks, responses, mentions, …). crisisdesk.web_urls registers them: incidents never
# imports those apps. A room section is called as section(request, incident, forms) and a
# dashboard one as section(request); each returns {"template": …, **context} or None.
RoomSection = Callable[[HttpRequest, Incident, dict[str, Any]], dict[str, Any] | None]
DashboardSection = Callable[[HttpRequest], dict[str, Any] | None]
ROOM_SECTIONS: list[RoomSection] = []
DASHBOARD_SECTIONS: list[DashboardSection] = []


def _board_queryset(request: HttpRequest, params: QueryDict) -> QuerySet[Incident]:
    """Open incidents the member may see, filtered exactly as the API filters them."""
    scoped = selectors.incident_filter_open(
        selectors.incident_list(membership=request.membership), True
    )
    return IncidentFilter(data=params, queryset=scoped, request=request).qs


def _board_query(request: HttpRequest) -> QueryDict:
    query = QueryDict(mutable=True)
    for name in BOARD_PARAMS:
        values = [v for v in request.GET.getlist(name) if v]
        if values:
            query.setlist(name, values)
    return query


def _row(incident: Incident, request: HttpRequest, now: datetime) -> dict[str, Any]:
    clocks = clock_views(incident, request.organisation, now)
    return {"incident": incident, "clocks": clocks, "next_clock": next_clock(clocks)}


def _may_work(request: HttpRequest) -> bool:
    return request.membership.has_role(Role.RESPONDER)


# --- The board ---


@org_page(write_role=Role.RESPONDER)
def board(request: HttpRequest) -> HttpResponse:
    """Open incidents, newest first; live.js keeps the rows current."""
    query = _board_query(request)
    filters = BoardFilterForm(query or None, membership=request.membership, auto_id="filter_%s")
    incidents = list(
        _board_queryset(request, query).annotate(last_event_id=Max("events__id")).order_by("-id")
    )
    now = timezone.now()
    create_form = IncidentCreateForm(membership=request.membership, auto_id="new_%s")
    return _board_page(request, incidents, query, filters, create_form, now)


def _board_page(
    request: HttpRequest,
    incidents: list[Incident],
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
            "rows": [_row(i, request, now) for i in incidents],
            "filters": filters,
            "create_form": create_form,
            "can_create": _may_work(request),
            "query": query.urlencode(),
            "last_event_id": max((i.last_event_id or 0 for i in incidents), default=0),
            "row_url": reverse("web:incident-row", args=[slug, 0]).replace("/0/", "/__id__/"),
        },
        status=status,
    )


@org_page(write_role=Role.RESPONDER)
@require_GET
def board_row(request: HttpRequest, incident_pk: int) -> HttpResponse:
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
            "row": _row(incident, request, timezone.now()),
            "query": _board_query(request).urlencode(),
        },
    )


@org_page(write_role=Role.RESPONDER)
@require_POST
def incident_new(request: HttpRequest) -> HttpResponse:
    form = IncidentCreateForm(request.POST, membership=request.membership, auto_id="new_%s")
    if form.is_valid():
        try:
            incident = services.incident_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc.field, exc.message)
        else:
            messages.success(request, _("Incident opened."))
            return redirect("web:incident", request.organisation.slug, incident.pk)
    query = QueryDict()
    incidents = list(
        _board_queryset(request, query).annotate(last_event_id=Max("events__id")).order_by("-id")
    )
    filters = BoardFilterForm(None, membership=request.membership, auto_id="filter_%s")
    return _board_page(request, incidents, query, filters, form, timezone.now(), status=400)


# --- The incident room ---


def _incident(request: HttpRequest, incident_pk: int) -> Incident:
    return scoped_get(selectors.incident_list(membership=request.membership), incident_pk)


def _header_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    allowed = [s for s in incident.allowed_next() if s not in (Status.ACKNOWLEDGED, Status.CLOSED)]
    return {
        "incident": incident,
        "clocks": clock_views(incident, request.organisation),
        "can_work": _may_work(request),
        "transitions": [(s, Status(s).label) for s in allowed],
    }


def render_room(
    request: HttpRequest, incident: Incident, status: int = 200, **forms: Any
) -> HttpResponse:
    """The incident room; `forms` carries bound forms with errors back to their section."""
    return _room(request, incident, status, **forms)


def _room(
    request: HttpRequest, incident: Incident, status: int = 200, **forms: Any
) -> HttpResponse:
    membership = request.membership
    events = list(selectors.event_list(incident=incident))
    teams = {t.id: t.name for t in tenant_selectors.team_list(membership=membership)}
    context = _header_context(request, incident)
    context.update(
        {
            "events": event_views(events, teams),
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
                if (section := provider(request, incident, forms)) is not None
            ],
        }
    )
    return render(request, "incidents/room.html", context, status=status)


@org_page(write_role=Role.RESPONDER)
@require_GET
def room(request: HttpRequest, incident_pk: int) -> HttpResponse:
    return _room(request, _incident(request, incident_pk))


@org_page(write_role=Role.RESPONDER)
@require_GET
def room_header(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    return render(request, "incidents/_room_header.html", _header_context(request, incident))


@org_page(write_role=Role.RESPONDER)
@require_GET
def timeline(request: HttpRequest, incident_pk: int) -> HttpResponse:
    """Timeline entries after ?since=<event id>, for live.js to append."""
    incident = _incident(request, incident_pk)
    since = request.GET.get("since", "")
    events = list(
        selectors.event_list(incident=incident, since=int(since) if since.isdigit() else None)
    )
    teams = {t.id: t.name for t in tenant_selectors.team_list(membership=request.membership)}
    return render(request, "incidents/_timeline.html", {"events": event_views(events, teams)})


def _back(request: HttpRequest, incident: Incident) -> HttpResponse:
    return redirect("web:incident", request.organisation.slug, incident.pk)


def _refused(request: HttpRequest, exc: DomainError) -> None:
    if exc.field == "status" and "allowed" in exc.extra:
        messages.error(
            request,
            _("This status change is not possible any more: the incident is now %(status)s.")
            % {"status": Status(exc.extra.get("current", Status.DETECTED)).label},
        )
    else:
        messages.error(request, _(exc.message))


@org_page(write_role=Role.RESPONDER)
@require_POST
def acknowledge(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    try:
        services.incident_acknowledge(
            incident=incident, actor=request.user, membership=request.membership
        )
    except DomainError as exc:
        _refused(request, exc)
    return _back(request, incident)


@org_page(write_role=Role.RESPONDER)
@require_POST
def transition(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return _back(request, incident)
    try:
        services.incident_transition(
            incident=incident,
            status=form.cleaned_data["status"],
            actor=request.user,
            membership=request.membership,
        )
    except DomainError as exc:
        _refused(request, exc)
    return _back(request, incident)


def _room_form_action(
    request: HttpRequest, incident: Any, form: Any, form_name: str, act: Any
) -> HttpResponse:
    """Validate a room form and call its service; a refusal lands beside the field and the
    room is shown again with the form as the person filled it."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc.field, exc.message)
        else:
            return _back(request, incident)
    return _room(request, incident, status=400, **{form_name: form})


@org_page(write_role=Role.RESPONDER)
@require_POST
def severity(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    return _room_form_action(
        request,
        incident,
        SeverityForm(request.POST, auto_id="severity_%s"),
        "severity_form",
        lambda data: services.incident_update(
            incident=incident, actor=request.user, severity=data["severity"]
        ),
    )


@org_page(write_role=Role.RESPONDER)
@require_POST
def assign(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    return _room_form_action(
        request,
        incident,
        AssignForm(request.POST, membership=request.membership, auto_id="assign_%s"),
        "assign_form",
        lambda data: services.incident_assign(
            incident=incident, actor=request.user, teams=data["teams"], commander=data["commander"]
        ),
    )


@org_page(write_role=Role.RESPONDER)
@require_POST
def note(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    return _room_form_action(
        request,
        incident,
        NoteForm(request.POST, auto_id="note_%s"),
        "note_form",
        lambda data: services.incident_add_note(
            incident=incident, actor=request.user, text=data["text"]
        ),
    )


# --- Linked mentions (a room section) ---

MENTIONS_SHOWN = 50
MAX_BARS = 24


def mentions_section(
    request: HttpRequest, incident: Incident, forms: dict[str, Any]
) -> dict[str, Any]:
    """Mentions linked to the incident with their sentiment, and the brand's mention volume
    and negative share around it (a bar chart drawn on the server)."""
    stats = selectors.mention_stats(incident=incident)
    points = stats["points"]
    # At most MAX_BARS bars: consecutive points are summed.
    size = max(1, -(-len(points) // MAX_BARS))
    groups = [points[i : i + size] for i in range(0, len(points), size)]
    labels = [formats.time_format(timezone.localtime(g[0]["start"]), "H:i") for g in groups]
    totals = [sum(p["total"] for p in g) for g in groups]
    negatives = [sum(p["negative"] for p in g) for g in groups]
    mentions = list(
        selectors.mention_list(membership=request.membership)
        .filter(incident_id=incident.id)
        .order_by("-posted_at")[:MENTIONS_SHOWN]
    )
    return {
        "template": "incidents/_mentions.html",
        "place": "side",
        "incident": incident,
        "mentions": mentions,
        "linked": stats["linked_mentions"],
        "total": stats["total"],
        "negative": stats["negative"],
        "negative_share": stats["negative_share"],
        "chart": stacked_bars(labels, totals, negatives, label_every=max(1, len(groups) // 6)),
    }


# --- Monitoring rules (a section of the brand page) ---


def _brand(request: HttpRequest, brand_pk: int) -> Brand:
    return scoped_get(tenant_selectors.brand_list(membership=request.membership), brand_pk)


def rules_section(request: HttpRequest, brand: Brand, forms: dict[str, Any]) -> dict[str, Any]:
    """The brand's monitoring rules; managers add, pause and delete them."""
    return {
        "template": "incidents/_rules.html",
        "brand": brand,
        "rules": list(
            selectors.monitoring_rule_list(membership=request.membership, brand_id=brand.id)
        ),
        "form": forms.get("rule_form") or MonitoringRuleForm(auto_id="rule_%s"),
        "can_manage": request.membership.has_role(Role.MANAGER),
    }


@org_page()
@require_POST
def rule_new(request: HttpRequest, brand_pk: int) -> HttpResponse:
    brand = _brand(request, brand_pk)
    form = MonitoringRuleForm(request.POST, auto_id="rule_%s")
    if form.is_valid():
        try:
            services.monitoring_rule_create(brand=brand, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc.field, exc.message)
        else:
            messages.success(request, _("Monitoring rule added."))
            return redirect("web:brand", request.organisation.slug, brand.pk)
    return render_brand(request, brand, status=400, rule_form=form)


def _rule(request: HttpRequest, brand: Brand, rule_pk: int) -> MonitoringRule:
    return scoped_get(
        selectors.monitoring_rule_list(membership=request.membership, brand_id=brand.id), rule_pk
    )


@org_page()
@require_POST
def rule_toggle(request: HttpRequest, brand_pk: int, rule_pk: int) -> HttpResponse:
    """Pause an active rule or resume a paused one."""
    brand = _brand(request, brand_pk)
    rule = _rule(request, brand, rule_pk)
    services.monitoring_rule_update(rule=rule, active=not rule.active)
    return redirect("web:brand", request.organisation.slug, brand.pk)


@org_page()
@require_POST
def rule_delete(request: HttpRequest, brand_pk: int, rule_pk: int) -> HttpResponse:
    brand = _brand(request, brand_pk)
    services.monitoring_rule_delete(rule=_rule(request, brand, rule_pk))
    messages.success(request, _("Monitoring rule deleted."))
    return redirect("web:brand", request.organisation.slug, brand.pk)


# --- The dashboard ---

TREND_MONTHS = 6
METRICS = (("tta", "acknowledge"), ("ttfr", "first_response"), ("ttr", "resolve"))


def _month_starts(now: datetime, count: int) -> list[datetime]:
    """The first instants of the last `count` months in the user's time zone, oldest first,
    plus the start of next month (the end of the last period)."""
    local = timezone.localtime(now)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [start]
    for _i in range(count - 1):
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    following = (start + timedelta(days=32)).replace(day=1)
    return [*starts, following]


def _trend(request: HttpRequest, severity: str, now: datetime) -> list[dict[str, Any]]:
    """Median TTA, TTFR and TTR per month (drills excluded), each with its SLA target."""
    bounds = _month_starts(now, TREND_MONTHS)
    labels = [formats.date_format(b, "M") for b in bounds[:-1]]
    per_month = [
        selectors.response_time_metrics(
            membership=request.membership, date_from=start, date_to=end, severity=severity
        )
        for start, end in pairwise(bounds)
    ]
    titles = {
        "tta": _("Time to acknowledge"),
        "ttfr": _("Time to first response"),
        "ttr": _("Time to resolve"),
    }
    charts = []
    for name, kind in METRICS:
        medians = [m[name]["median_seconds"] for m in per_month]
        values = [round(v / 60, 1) if v is not None else None for v in medians]
        target = request.organisation.sla_minutes(severity, kind)
        charts.append(
            {
                "title": _("%(metric)s, median minutes") % {"metric": titles[name]},
                "chart": line_chart(
                    labels, values, target=target, target_label=_("SLA %(n)s min") % {"n": target}
                ),
                "rows": [
                    {
                        "label": label,
                        "median": value,
                        "count": m[name]["count"],
                        "share": m[name]["within_sla_share"],
                    }
                    for label, value, m in zip(labels, values, per_month, strict=True)
                ],
            }
        )
    return charts


OVERDUE_ITEMS_SHOWN = 20


def _my_overdue_items(request: HttpRequest) -> list[Any]:
    return list(
        dashboard_selectors.my_overdue_action_items(membership=request.membership)[
            :OVERDUE_ITEMS_SHOWN
        ]
    )


def _action_item_overdue(request: HttpRequest, item: Any) -> dict[str, str]:
    incident = item.postmortem.incident
    return {
        "url": reverse("web:postmortem", args=[request.organisation.slug, item.postmortem_id])
        + f"#item-{item.id}",
        "title": f"{item.title} (#{incident.id} {incident.title})",
        "text": _("action item due %(when)s")
        % {"when": formats.date_format(item.due_date, "SHORT_DATE_FORMAT")},
    }


def _volume_charts(request: HttpRequest, now: datetime) -> list[dict[str, Any]]:
    """Mention volume and negative share per brand over the last 7 days, a chart each."""
    charts = []
    for row in dashboard_selectors.mention_volume_by_brand(membership=request.membership, now=now):
        points = row["points"]
        charts.append(
            {
                **row,
                "chart": stacked_bars(
                    [formats.date_format(p["day"], "D j") for p in points],
                    [p["total"] for p in points],
                    [p["negative"] for p in points],
                ),
            }
        )
    return charts


@org_page(write_role=Role.RESPONDER)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    now = timezone.now()
    open_incidents = list(
        selectors.incident_filter_open(
            selectors.incident_list(membership=membership), True
        ).order_by("detected_at")
    )
    rows = [_row(i, request, now) for i in open_incidents]
    by_severity = [
        {
            "severity": sev,
            "label": label,
            "rows": [r for r in rows if r["incident"].severity == sev],
        }
        for sev, label in Severity.choices
    ]
    mine_ids = set(
        selectors.incident_filter_assigned_to(
            selectors.incident_filter_open(selectors.incident_list(membership=membership), True),
            membership,
        ).values_list("id", flat=True)
    )
    overdue = [
        {"row": r, "clock": c}
        for r in rows
        if r["incident"].id in mine_ids
        for c in r["clocks"]
        if c.pending and c.breached
    ]
    severity = request.GET.get("severity", Severity.SEV1)
    if severity not in Severity.values:
        severity = Severity.SEV1
    # A section returns a card to show ({"template": …}) and/or entries of "my overdue items".
    sections = [s for provider in DASHBOARD_SECTIONS if (s := provider(request)) is not None]
    overdue_extra = [_action_item_overdue(request, item) for item in _my_overdue_items(request)]
    for section in sections:
        overdue_extra.extend(section.get("overdue", []))
    return render(
        request,
        "incidents/dashboard.html",
        {
            "by_severity": by_severity,
            "open_count": len(rows),
            "overdue": overdue,
            "trend": _trend(request, severity, now),
            "trend_severity": severity,
            "severities": Severity.choices,
            "sections": [s for s in sections if "template" in s],
            "overdue_extra": overdue_extra,
            "volume": _volume_charts(request, now),
            "open_statuses": OPEN_STATUSES,
        },
    )
