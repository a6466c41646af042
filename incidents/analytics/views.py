"""The dashboard: open incidents by severity, my overdue clocks and items, response-time
trends against the SLA, and the mention volume of each brand."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from crisisdesk.charts import line_chart, stacked_bars
from incidents import selectors
from incidents.analytics import selectors as dashboard_selectors
from incidents.metrics import METRICS as RESPONSE_METRICS
from incidents.models import OPEN_STATUSES
from incidents.presentation import row_context
from tenants.models import Role, Severity
from tenants.tenancy import OrgRequest, org_page

# Cards that the apps building on incidents add (post-mortems to review, my overdue playbook
# tasks, …), registered by crisisdesk.web_urls. Called as section(request); each returns
# {"template": …, **context} for a card and/or {"overdue": [...]} entries, or None.
DashboardSection = Callable[[OrgRequest], dict[str, Any] | None]
DASHBOARD_SECTIONS: list[DashboardSection] = []

TREND_MONTHS = 6
METRICS = tuple((m.name, m.clock) for m in RESPONSE_METRICS)


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


def _trend(request: OrgRequest, severity: str, now: datetime) -> list[dict[str, Any]]:
    """Median TTA, TTFR and TTR per month (drills excluded), each with its SLA target."""
    bounds = _month_starts(now, TREND_MONTHS)
    labels = [formats.date_format(b, "M") for b in bounds[:-1]]
    per_month = selectors.response_time_metrics_by_month(
        membership=request.membership, bounds=bounds, severity=severity
    )
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


def _my_overdue_items(request: OrgRequest) -> list[Any]:
    return list(
        dashboard_selectors.my_overdue_action_items(membership=request.membership)[
            :OVERDUE_ITEMS_SHOWN
        ]
    )


def _action_item_overdue(request: OrgRequest, item: Any) -> dict[str, str]:
    incident = item.postmortem.incident
    return {
        "url": reverse("web:postmortem", args=[request.organisation.slug, item.postmortem_id])
        + f"#item-{item.id}",
        "title": f"{item.title} (#{incident.id} {incident.title})",
        "text": _("action item due %(when)s")
        % {"when": formats.date_format(item.due_date, "SHORT_DATE_FORMAT")},
    }


# The dashboard's time ranges for mention volume: (label, days, hours): 24 h in hours.
VOLUME_RANGES = {
    "24h": (gettext_lazy("24 hours"), None, 24),
    "7d": (gettext_lazy("7 days"), 7, None),
    "30d": (gettext_lazy("30 days"), 30, None),
}
DEFAULT_VOLUME_RANGE = "7d"


def _mentions_url(request: OrgRequest, **params: Any) -> str:
    query = QueryDict(mutable=True)
    query.update({k: str(v) for k, v in params.items()})
    return f"{reverse('web:mentions', args=[request.organisation.slug])}?{query.urlencode()}"


def _volume_charts(request: OrgRequest, now: datetime, period: str) -> list[dict[str, Any]]:
    """Mention volume and negative share per brand over the chosen range, a chart each; a bar
    opens its mentions in the mention browser (its red part, the negative ones)."""
    _label, days, hours = VOLUME_RANGES[period]
    charts = []
    rows = dashboard_selectors.mention_volume_by_brand(
        membership=request.membership, now=now, days=days or 7, hours=hours
    )
    for row in rows:
        points = row["points"]
        urls = []
        for p in points:
            period_params = {
                "brand": row["brand"].id,
                "posted_after": p["start"].isoformat(),
                "posted_before": p["end"].isoformat(),
            }
            urls.append(
                (
                    _mentions_url(request, **period_params),
                    _mentions_url(request, **period_params, sentiment="negative"),
                )
            )
        dates: list[str] | None
        if hours:
            labels = [formats.time_format(p["start"], "H:i") for p in points]
            dates = [formats.date_format(p["start"], "j M") for p in points]
            every = 4
        else:
            labels = [formats.date_format(p["day"], "D j" if days == 7 else "j") for p in points]
            dates = [formats.date_format(p["day"], "M") for p in points] if days != 7 else None
            every = 1 if days == 7 else 5
        charts.append(
            {
                **row,
                "chart": stacked_bars(
                    labels,
                    [p["total"] for p in points],
                    [p["negative"] for p in points],
                    label_every=every,
                    dates=dates,
                    urls=urls,
                ),
            }
        )
    return charts


@org_page(write_role=Role.RESPONDER, client=("GET",))
@require_GET
def dashboard(request: OrgRequest) -> HttpResponse:
    membership = request.membership
    if membership.is_client:
        # The agency's dashboard (tasks, metrics, reviews) is not theirs: their portal is.
        return redirect("web:portal", request.organisation.slug)
    now = timezone.now()
    open_incidents = list(
        selectors.incident_filter_open(
            selectors.incident_list(membership=membership), True
        ).order_by("detected_at")
    )
    rows = [row_context(i, request, now) for i in open_incidents]
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
    period = request.GET.get("range", DEFAULT_VOLUME_RANGE)
    if period not in VOLUME_RANGES:
        period = DEFAULT_VOLUME_RANGE
    volume = _volume_charts(request, now, period)
    trend = _trend(request, severity, now)
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
            "trend": trend,
            "trend_severity": severity,
            "severities": Severity.choices,
            "sections": [s for s in sections if "template" in s],
            "overdue_extra": overdue_extra,
            "volume": volume,
            "volume_empty": not any(item["total"] for item in volume),
            "volume_range": period,
            "volume_ranges": [(key, value[0]) for key, value in VOLUME_RANGES.items()],
            "trend_empty": all(item["chart"].empty for item in trend),
            "open_statuses": OPEN_STATUSES,
        },
    )
