"""Web parts of monitoring: the mentions linked to an incident (a section of the incident
room) and a brand's monitoring rules (a section of the brand page, with its actions)."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.charts import stacked_bars
from crisisdesk.core.confirm import confirmation
from crisisdesk.core.exceptions import DomainError
from incidents.models import OPEN_STATUSES, Incident
from incidents.monitoring import selectors, services
from incidents.monitoring.collectors import collector_for
from incidents.monitoring.filters import MentionFilter
from incidents.monitoring.forms import MentionBrowserForm, MentionBulkForm, MonitoringRuleForm
from incidents.monitoring.models import (
    MonitoringRule,
    Platform,
    SentimentLabel,
    Source,
    SourceKind,
    SourceState,
)
from incidents.monitoring.services import sources as source_services
from incidents.monitoring.services.labels import (
    LABEL_ROLE,
    MAX_LABELS_PER_REQUEST,
    mention_labels_apply,
)
from incidents.monitoring.services.linking import mentions_link
from incidents.policies import may_label, may_manage_monitoring
from incidents.selectors import incident_list
from tenants import selectors as tenant_selectors
from tenants.forms import form_error
from tenants.models import Brand
from tenants.tenancy import OrgRequest, org_page, scoped_get
from tenants.views import render_brand

# --- Linked mentions (room sections: the velocity chart and the evidence stream) ---

EVIDENCE_PAGE_SIZE = 20
MAX_BARS = 24


def _mentions_url(request: OrgRequest, **params: Any) -> str:
    """The mention browser filtered to these parameters (a chart bar's link)."""
    query = QueryDict(mutable=True)
    query.update({k: str(v) for k, v in params.items() if v not in (None, "")})
    return f"{reverse('web:mentions', args=[request.organisation.slug])}?{query.urlencode()}"


def mentions_section(
    request: OrgRequest, incident: Incident, forms: dict[str, Any]
) -> dict[str, Any]:
    """The brand's mention volume and negative share around the incident (bars drawn on the
    server, the week before as the baseline; a bar opens its mentions in the mention browser)
    and what the crisis is about."""
    stats = selectors.mention_stats(incident=incident)
    points = stats["points"]
    # At most MAX_BARS bars: consecutive points are summed.
    size = max(1, -(-len(points) // MAX_BARS))
    groups = [points[i : i + size] for i in range(0, len(points), size)]
    starts = [timezone.localtime(g[0]["start"]) for g in groups]
    step = timedelta(minutes=stats["step_minutes"] * size)
    urls = []
    for start in starts:
        period = {
            "brand": incident.brand_id,
            "posted_after": start.isoformat(),
            "posted_before": (start + step).isoformat(),
        }
        urls.append(
            (
                _mentions_url(request, **period),
                _mentions_url(request, **period, sentiment="negative"),
            )
        )
    chart = stacked_bars(
        [formats.time_format(start, "H:i") for start in starts],
        [sum(p["total"] for p in g) for g in groups],
        [sum(p["negative"] for p in g) for g in groups],
        label_every=max(1, len(groups) // 8),
        dates=[formats.date_format(start, "j M") for start in starts],
        width=640,
        urls=urls,
        baseline=stats["baseline_total"] * size or None,
    )
    return {
        "template": "incidents/_mentions.html",
        "place": "main",
        "incident": incident,
        "phrases": selectors.incident_phrases(incident=incident),
        "linked": stats["linked_mentions"],
        "total": stats["total"],
        "negative": stats["negative"],
        "negative_share": stats["negative_share"],
        "chart": chart,
    }


EVIDENCE_PARAMS = ("sentiment", "platform")


def _evidence_query(params: QueryDict) -> QueryDict:
    """The stream's filters, from the room's query (ev_sentiment, ev_platform) or the stream's
    own URL: the same names, prefixed in the room so that they never meet another section's."""
    query = QueryDict(mutable=True)
    for name in EVIDENCE_PARAMS:
        value = params.get(f"ev_{name}", "").strip()
        choices = SentimentLabel.values if name == "sentiment" else Platform.values
        if value in choices:
            query[f"ev_{name}"] = value
    return query


def evidence_context(request: OrgRequest, incident: Incident) -> dict[str, Any]:
    """The evidence stream: the incident's linked mentions, newest first, 20 a page, filtered
    by sentiment and platform; live.js refreshes it when the incident's timeline moves."""
    query = _evidence_query(request.GET)
    mentions = selectors.mention_list(membership=request.membership).filter(incident_id=incident.id)
    if sentiment := query.get("ev_sentiment"):
        mentions = mentions.filter(sentiment_label=sentiment)
    if platform := query.get("ev_platform"):
        mentions = mentions.filter(platform=platform)
    page = Paginator(mentions.order_by("-posted_at", "-id"), EVIDENCE_PAGE_SIZE).get_page(
        request.GET.get("ev_page")
    )
    slug = request.organisation.slug
    base = reverse("web:incident-mentions", args=[slug, incident.id])
    return {
        "template": "incidents/_evidence.html",
        "place": "main",
        "incident": incident,
        "page": page,
        "mentions": list(page),
        "query": query,
        "query_string": query.urlencode(),
        "section_url": f"{base}?{query.urlencode()}&ev_page={page.number}",
        "room_url": reverse("web:incident", args=[slug, incident.id]),
        "sentiments": SentimentLabel.choices,
        "platforms": Platform.choices,
        "can_label": may_label(request.membership),
        "browser_url": _mentions_url(request, incident=incident.id),
    }


def evidence_section(
    request: OrgRequest, incident: Incident, forms: dict[str, Any]
) -> dict[str, Any]:
    return evidence_context(request, incident)


@org_page(write_role=LABEL_ROLE)
@require_GET
def incident_mentions(request: OrgRequest, incident_pk: int) -> HttpResponse:
    """The evidence stream alone (a page of it, filtered), for live refreshes and paging.
    Client staff never read it (the page refuses them, as the room leaves it out)."""
    incident = scoped_get(incident_list(membership=request.membership), incident_pk)
    return render(
        request, "incidents/_evidence.html", {"section": evidence_context(request, incident)}
    )


# --- One-click sentiment correction (wherever mentions are listed) ---


@org_page(write_role=LABEL_ROLE)
@require_POST
def mention_label(request: OrgRequest, mention_pk: int) -> HttpResponse:
    """One mention's sentiment as staff say it is. htmx: the refreshed row; a plain form post:
    back where it came from. Another organisation's mention is the not-found page."""
    mentions = selectors.mention_list(membership=request.membership)
    scoped_get(mentions, mention_pk)  # "not yours" before anything about the value
    result = mention_labels_apply(
        by=request.membership,
        items=[{"id": int(mention_pk), "sentiment": request.POST.get("sentiment", "")}],
    )
    error = result.rejected[0]["reason"] if result.rejected else None
    if request.htmx:
        mention = scoped_get(mentions, mention_pk)
        return render(
            request,
            "incidents/_mention_row.html",
            {
                "m": mention,
                "can_label": True,
                "selectable": request.POST.get("selectable") == "1",
                "error": error,
            },
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Sentiment corrected."))
    return redirect(_back(request))


# --- The mention browser ---

BROWSER_PAGE_SIZE = 50
BROWSER_PARAMS = (
    "q",
    "incident",
    "posted_after",
    "posted_before",
    "brand",
    "platform",
    "sentiment",
    "source",
    "language",
    "posted_from",
    "posted_to",
    "min_reach",
)
LINKABLE_INCIDENTS = 50


def _browser_query(request: OrgRequest) -> QueryDict:
    query = QueryDict(mutable=True)
    for name in BROWSER_PARAMS:
        value = request.GET.get(name, "").strip()
        if value:
            query[name] = value
    return query


@org_page(write_role=LABEL_ROLE)
@require_GET
def mention_browser(request: OrgRequest) -> HttpResponse:
    """Every mention the member sees, searched and filtered (the API's filters), newest
    first, 50 a page in a constant number of queries; responders correct labels (one click
    or in bulk) and link the chosen mentions to an open incident."""
    query = _browser_query(request)
    filters = MentionBrowserForm(query or None, membership=request.membership, auto_id="m_%s")
    scoped = selectors.mention_list(membership=request.membership).select_related("brand")
    # Invalid values are shown beside their field and ignored by the filter.
    mentions = MentionFilter(data=query, queryset=scoped).qs.order_by("-posted_at", "-id")
    page = Paginator(mentions, BROWSER_PAGE_SIZE).get_page(request.GET.get("page"))
    can_label = may_label(request.membership)
    incidents = []
    if can_label:
        incidents = list(
            incident_list(membership=request.membership)
            .filter(status__in=OPEN_STATUSES)
            .select_related("brand")
            .order_by("-id")[:LINKABLE_INCIDENTS]
        )
    return render(
        request,
        "incidents/mention_browser.html",
        {
            "page": page,
            "mentions": list(page),
            "filters": filters,
            "query": query.urlencode(),
            "can_label": can_label,
            "incidents": incidents,
            "sentiments": SentimentLabel.choices,
        },
    )


def _back(request: OrgRequest) -> str:
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return reverse("web:mentions", args=[request.organisation.slug])


@org_page(write_role=LABEL_ROLE)
@require_POST
def mention_bulk(request: OrgRequest) -> HttpResponse:
    """The browser's bulk actions on the chosen mentions: a sentiment, or a link to an
    incident. Another organisation's mention ids do nothing; another's incident is 404."""
    form = MentionBulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose mentions and what to do with them."))
        return redirect(_back(request))
    ids = form.cleaned_data["mention"]
    if form.cleaned_data["action"] == "label":
        sentiment = form.cleaned_data["sentiment"]
        if not sentiment:
            messages.error(request, _("Choose a sentiment."))
            return redirect(_back(request))
        result = mention_labels_apply(
            by=request.membership,
            items=[{"id": i, "sentiment": sentiment} for i in ids[:MAX_LABELS_PER_REQUEST]],
        )
        messages.success(
            request,
            ngettext(
                "%(count)d mention corrected.", "%(count)d mentions corrected.", result.labelled
            )
            % {"count": result.labelled},
        )
    else:
        incident = scoped_get(
            incident_list(membership=request.membership), form.cleaned_data["incident"] or ""
        )
        count = mentions_link(by=request.membership, incident=incident, mention_ids=ids)
        messages.success(
            request,
            ngettext(
                "%(count)d mention linked to the incident.",
                "%(count)d mentions linked to the incident.",
                count,
            )
            % {"count": count},
        )
    return redirect(_back(request))


# --- Monitoring rules (a section of the brand page) ---


def _brand(request: OrgRequest, brand_pk: int) -> Brand:
    return scoped_get(tenant_selectors.brand_list(membership=request.membership), brand_pk)


def rules_section(request: OrgRequest, brand: Brand, forms: dict[str, Any]) -> dict[str, Any]:
    """The brand's monitoring rules; managers add, pause and delete them."""
    return {
        "template": "incidents/_rules.html",
        "brand": brand,
        "rules": list(
            selectors.monitoring_rule_list(membership=request.membership, brand_id=brand.id)
        ),
        "form": forms.get("rule_form") or MonitoringRuleForm(auto_id="rule_%s"),
        "can_manage": may_manage_monitoring(request.membership),
    }


# Alike postmortems/views.py:postmortem_request_changes and tenants' member edit on purpose:
# the page-form steps around this form's service, message and redirect.
@org_page()
@require_POST
def rule_new(request: OrgRequest, brand_pk: int) -> HttpResponse:
    brand = _brand(request, brand_pk)
    form = MonitoringRuleForm(request.POST, auto_id="rule_%s")
    if form.is_valid():
        try:
            services.monitoring_rule_create(brand=brand, by=request.membership, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(request, _("Monitoring rule added."))
            return redirect("web:brand", request.organisation.slug, brand.pk)
    return render_brand(request, brand, status=400, rule_form=form)


def _rule(request: OrgRequest, brand: Brand, rule_pk: int) -> MonitoringRule:
    return scoped_get(
        selectors.monitoring_rule_list(membership=request.membership, brand_id=brand.id), rule_pk
    )


@org_page()
@require_POST
def rule_toggle(request: OrgRequest, brand_pk: int, rule_pk: int) -> HttpResponse:
    """Pause an active rule or resume a paused one."""
    brand = _brand(request, brand_pk)
    rule = _rule(request, brand, rule_pk)
    services.monitoring_rule_update(rule=rule, active=not rule.active)
    return redirect("web:brand", request.organisation.slug, brand.pk)


# Alike tenants/views.py:brand_delete/team_delete and postmortems' action item delete
# on purpose: each confirmation names its own consequence, cancel page and service.
@org_page()
@require_POST
def rule_delete(request: OrgRequest, brand_pk: int, rule_pk: int) -> HttpResponse:
    brand = _brand(request, brand_pk)
    rule = _rule(request, brand, rule_pk)
    ask = confirmation(
        request,
        title=_("Delete the monitoring rule “%(name)s”?") % {"name": rule.name},
        consequence=_(
            "The rule stops watching %(brand)s's mentions and is deleted; incidents it "
            "opened stay. Pausing it instead keeps its settings."
        )
        % {"brand": brand.name},
        action=_("Delete the rule"),
        cancel_url=reverse("web:brand", args=[request.organisation.slug, brand.pk]),
    )
    if ask:
        return ask
    services.monitoring_rule_delete(rule=rule)
    messages.success(request, _("Monitoring rule deleted."))
    return redirect("web:brand", request.organisation.slug, brand.pk)


# --- Sources (a section of the brand page) ---

LATEST_MENTIONS = 10


def _source_forms(posted_kind: str = "", values: Any = None, errors: Any = None) -> list[dict]:
    """One add form per kind, its fields from the kind's collector (config, then credentials)."""
    forms = []
    for kind, label in SourceKind.choices:
        collector = collector_for(kind)
        fields = []
        for section, specs in (
            ("config", collector.config_fields),
            ("credentials", collector.credential_fields),
        ):
            for spec in specs:
                key = f"{section}.{spec.name}"
                value = ""
                if kind == posted_kind and values is not None and section == "config":
                    value = values.get(key, "")
                fields.append(
                    {
                        "key": key,
                        "id": f"source-{kind}-{section}-{spec.name}",
                        "label": spec.label,
                        "help": spec.help,
                        "required": spec.required,
                        "secret": section == "credentials",
                        "value": value,
                        "errors": (errors or {}).get(key, []) if kind == posted_kind else [],
                    }
                )
        forms.append(
            {
                "kind": kind,
                "label": label,
                "fields": fields,
                "open": kind == posted_kind,
                "errors": (errors or {}) if kind == posted_kind else {},
                "name": (values or {}).get("name", "") if kind == posted_kind else "",
                "interval": (values or {}).get("interval_seconds", "300")
                if kind == posted_kind
                else "300",
            }
        )
    return forms


def sources_section(request: OrgRequest, brand: Brand, forms: dict[str, Any]) -> dict[str, Any]:
    """The brand's sources with their health, the latest mentions, and (managers) the forms."""
    sources = list(selectors.source_list(membership=request.membership, brand_id=brand.id))
    for source in sources:
        source.error_text = source_services.last_error_text(source)
    return {
        "template": "incidents/_sources.html",
        "brand": brand,
        "sources": sources,
        "add_forms": forms.get("source_forms") or _source_forms(),
        "latest": list(
            selectors.mention_list(membership=request.membership)
            .filter(brand_id=brand.id)
            .order_by("-posted_at")[:LATEST_MENTIONS]
        ),
        "can_manage": may_manage_monitoring(request.membership),
    }


def _field_value(spec: Any, raw: str) -> Any:
    raw = raw.strip()
    if spec.kind == "list":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if spec.kind == "int" and raw.lstrip("-").isdigit():
        return int(raw)
    return raw


@org_page()
@require_POST
def source_new(request: OrgRequest, brand_pk: int) -> HttpResponse:
    brand = _brand(request, brand_pk)
    kind = request.POST.get("kind", "")
    if kind not in SourceKind.values:
        messages.error(request, _("Unknown source kind."))
        return redirect("web:brand", request.organisation.slug, brand.pk)
    collector = collector_for(kind)
    config: dict[str, Any] = {}
    credentials: dict[str, Any] = {}
    for section, specs, target in (
        ("config", collector.config_fields, config),
        ("credentials", collector.credential_fields, credentials),
    ):
        for spec in specs:
            value = _field_value(spec, request.POST.get(f"{section}.{spec.name}", ""))
            if value not in ("", []):
                target[spec.name] = value
    interval_raw = request.POST.get("interval_seconds", "300").strip()
    interval: Any = int(interval_raw) if interval_raw.isdigit() else interval_raw
    try:
        source_services.source_create(
            brand=brand,
            kind=kind,
            config=config,
            credentials=credentials,
            interval_seconds=interval,
            name=request.POST.get("name", ""),
        )
    except source_services.SourceInvalid as exc:
        values = {k: v for k, v in request.POST.items() if not k.startswith("credentials.")}
        source_forms = _source_forms(kind, values, exc.extra.get("errors"))
        return render_brand(request, brand, status=400, source_forms=source_forms)
    messages.success(request, _("Source added; its first poll runs shortly."))
    return redirect("web:brand", request.organisation.slug, brand.pk)


def _source(request: OrgRequest, brand: Brand, source_pk: int) -> Source:
    return scoped_get(
        selectors.source_list(membership=request.membership, brand_id=brand.id), source_pk
    )


@org_page()
@require_POST
def source_action(request: OrgRequest, brand_pk: int, source_pk: int, action: str) -> HttpResponse:
    """Poll now, pause, resume or delete (the last with its confirmation box ticked)."""
    brand = _brand(request, brand_pk)
    source = _source(request, brand, source_pk)
    back = redirect(
        reverse("web:brand", args=[request.organisation.slug, brand.pk]) + "#section-sources"
    )
    if action == "poll":
        if source.state == SourceState.PAUSED:
            messages.error(request, _("The source is paused."))
            return back
        source_services.source_poll_request(source=source)
        messages.success(request, _("Poll requested: the worker runs it now."))
    elif action == "pause":
        source_services.source_pause(source=source)
        messages.success(request, _("Source paused."))
    elif action == "resume":
        source_services.source_resume(source=source)
        messages.success(request, _("Source resumed."))
    elif action == "delete":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm the deletion."))
            return back
        source_services.source_delete(source=source)
        messages.success(request, _("Source deleted; the mentions it collected stay."))
    else:
        raise Http404
    return back
