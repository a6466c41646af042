"""A post-mortem as Markdown or as a print-ready HTML page, for the agency or its client.

The client version carries the client brand's name, and none of the internal notes, review
comments or people's usernames. Every user-typed value goes into the Markdown through
md_inline/md_block (HTML escaped, non-http(s) links neutralised); the HTML export is escaped
by the template engine.
"""

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crisisdesk.core.markdown import md_block, md_inline
from incidents.models import IncidentEvent, Visibility
from incidents.postmortems.models import PostMortem
from tenants.branding import organisation_logo_data_uri
from tenants.models import Membership

# Headings and labels in the language of the request that exports (the person's).
SECTIONS = [
    ("summary", gettext_lazy("Summary")),
    ("impact", gettext_lazy("Impact")),
    ("root_cause", gettext_lazy("Root cause")),
    ("went_well", gettext_lazy("What went well")),
    ("went_wrong", gettext_lazy("What went wrong")),
    ("lessons", gettext_lazy("Lessons")),
]

CLIENT_METRICS = [
    ("tta", gettext_lazy("Time to acknowledge")),
    ("ttfr", gettext_lazy("Time to first public response")),
    ("ttr", gettext_lazy("Time to resolve")),
]


def audience_for(membership: Any, asked: str) -> str:
    """The audience an export is written for: client staff get the client version whatever
    they ask for; agency staff choose."""
    if membership is not None and membership.is_client:
        return "client"
    return asked


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return _("%(minutes)s min") % {"minutes": f"{seconds / 60:.0f}"}


def postmortem_export_context(*, postmortem: PostMortem, audience: str) -> dict[str, Any]:
    incident = postmortem.incident
    client = audience == "client"
    prefill = postmortem.prefill or {}
    metrics = prefill.get("metrics", {})
    notes = []
    if not client:
        notes = list(
            IncidentEvent.objects.filter(
                organisation_id=incident.organisation_id, incident_id=incident.id, kind="note"
            )
            .order_by("id")
            .values_list("created_at", "actor__username", "payload__text")
        )
    timeline = [
        {**entry, "actor": None if client else entry.get("actor")}
        for entry in prefill.get("timeline", [])
    ]
    return {
        "client": client,
        "issuer": incident.brand.name if client else incident.organisation.name,
        "incident": incident,
        "postmortem": postmortem,
        "sections": [(str(title), getattr(postmortem, name)) for name, title in SECTIONS],
        "metrics": [
            (
                label,
                _minutes(metrics.get(key, {}).get("seconds")),
                _minutes(metrics.get(key, {}).get("target_seconds")),
                metrics.get(key, {}).get("within_sla"),
            )
            for key, label in (
                ("tta", _("Time to acknowledge")),
                ("ttfr", _("Time to first public response")),
                ("ttr", _("Time to resolve")),
            )
        ],
        "mentions": prefill.get("mentions", {}),
        "tasks": prefill.get("tasks", {}),
        "tasks_line": _tasks_line(prefill["tasks"]) if prefill.get("tasks") else "",
        "peak_line": _peak(prefill["mentions"]["peak_hour"])
        if (prefill.get("mentions") or {}).get("peak_hour")
        else "",
        "timeline": timeline,
        "action_items": list(postmortem.action_items.select_related("owner__user")),
        "notes": notes,
        "review_comments": [] if client else postmortem.review_comments,
    }


def postmortem_markdown(*, postmortem: PostMortem, audience: str) -> str:
    c = postmortem_export_context(postmortem=postmortem, audience=audience)
    incident = c["incident"]
    lines = [
        "# " + _("Post-mortem: %(title)s") % {"title": md_inline(incident.title)},
        "",
        f"{md_inline(c['issuer'])} · {md_inline(incident.brand.name)} · {incident.severity.upper()}"
        + (" · " + _("drill") if postmortem.is_drill else ""),
        "",
        _("Detected %(at)s UTC") % {"at": f"{incident.detected_at:%Y-%m-%d %H:%M}"}
        + (
            _(", resolved %(at)s UTC") % {"at": f"{incident.resolved_at:%Y-%m-%d %H:%M}"}
            if incident.resolved_at
            else ""
        ),
        "",
    ]
    for title, text in c["sections"]:
        lines += [f"## {title}", "", md_block(text) or "—", ""]
    lines += [
        "## " + _("Response times against the SLA"),
        "",
        f"| {_('Measure')} | {_('Actual')} | {_('Target')} | {_('Within')} |",
        "|---|---|---|---|",
    ]
    for label, actual, target, within in c["metrics"]:
        lines.append(f"| {label} | {actual} | {target} | {_yes_no(within)} |")
    mentions = c["mentions"]
    if mentions:
        linked = _("Linked mentions: %(count)s") % {"count": mentions.get("linked_total", 0)}
        lines += ["", "## " + _("Mentions"), "", linked]
        if mentions.get("peak_hour"):
            lines.append(_peak(mentions["peak_hour"]))
        if mentions.get("phrases"):
            lines += ["", _("What the crisis is about") + ":", ""]
            for p in mentions["phrases"]:
                lines.append(f"- {md_inline(p['phrase'])}: {p['count']}")
                lines += [f"  - “{md_inline(example)}”" for example in p.get("examples", [])[:2]]
    tasks = c["tasks"]
    if tasks:
        lines += [
            "",
            "## " + _("Playbook tasks"),
            "",
            _tasks_line(tasks),
        ]
    lines += ["", "## " + _("Timeline"), ""]
    for entry in c["timeline"]:
        who = f" ({md_inline(entry['actor'])})" if entry.get("actor") else ""
        lines.append(f"- {md_inline(entry['at'])} — {md_inline(entry['kind'])}{who}")
    if c["action_items"]:
        lines += ["", "## " + _("Action items"), ""]
        for item in c["action_items"]:
            owner = (
                ""
                if c["client"] or not item.owner
                else f" — {md_inline(item.owner.user.get_username())}"
            )
            due = (
                _(", due %(date)s") % {"date": f"{item.due_date:%Y-%m-%d}"} if item.due_date else ""
            )
            done = "x" if item.status == "done" else " "
            lines.append(f"- [{done}] {md_inline(item.title)}{owner}{due}")
    if c["notes"]:
        lines += ["", "## " + _("Internal notes"), ""]
        lines += [
            f"- {at:%Y-%m-%d %H:%M} {md_inline(who)}: {md_inline(text)}"
            for at, who, text in c["notes"]
        ]
    if c["review_comments"]:
        lines += ["", "## " + _("Review comments"), ""]
        lines += [
            f"- {md_inline(comment['by'])}: {md_inline(comment['text'])}"
            for comment in c["review_comments"]
        ]
    return "\n".join(lines) + "\n"


def _yes_no(within: bool | None) -> str:
    if within is None:
        return "—"
    return _("yes") if within else _("no")


def _peak(peak: dict[str, Any]) -> str:
    total = int(peak.get("total", 0) or 0)
    return ngettext(
        "Peak hour: %(hour)s (%(count)s mention)",
        "Peak hour: %(hour)s (%(count)s mentions)",
        total,
    ) % {"hour": peak.get("hour"), "count": total}


def _tasks_line(tasks: dict[str, Any]) -> str:
    return _(
        "Done %(done)s of %(total)s, late %(late)s, skipped %(skipped)s (open past their due "
        "time), not yet due %(not_due)s"
    ) % {
        "done": tasks.get("done", 0),
        "total": tasks.get("total", 0),
        "late": tasks.get("late", 0),
        "skipped": tasks.get("skipped", 0),
        "not_due": tasks.get("not_due", 0),
    }


def postmortem_html(*, postmortem: PostMortem, audience: str) -> str:
    """The agency's version in the reader's language; the client's is the one they hand on
    (the PDF's page: the brand's language and time zone, sentences, durations in words)."""
    if audience == "client":
        return postmortem_client_html(postmortem=postmortem)
    return render_to_string(
        "incidents/postmortem_export.html",
        postmortem_export_context(postmortem=postmortem, audience=audience),
    )


def _audit_export(*, postmortem: PostMortem, fmt: str, audience: str, by: Membership) -> None:
    """Record who took an export: exports leave the product, so each one is audited."""
    from tenants.services import audit_record

    audit_record(
        organisation=postmortem.incident.organisation,
        actor=by.user,
        action="postmortem.exported",
        target=str(postmortem.id),
        payload={"format": fmt, "audience": audience},
    )


def postmortem_export(*, postmortem: PostMortem, fmt: str, audience: str, by: Membership) -> str:
    """Render the export and record who took it (exports leave the product: they are audited)."""
    _audit_export(postmortem=postmortem, fmt=fmt, audience=audience, by=by)
    if fmt == "md":
        return postmortem_markdown(postmortem=postmortem, audience=audience)
    return postmortem_html(postmortem=postmortem, audience=audience)


# --- the client's version, to hand on: HTML and PDF in the brand's language and time zone ---


def postmortem_client_context(*, postmortem: PostMortem) -> dict[str, Any]:
    """What the client reads: client-visible events only, as sentences; durations in words;
    times in the brand's zone (the caller activates it); the agency's name as the issuer."""
    from crisisdesk.core.time import duration_words
    from incidents.presentation import event_views

    incident = postmortem.incident
    metrics = (postmortem.prefill or {}).get("metrics", {})

    def words(seconds: float | None) -> str:
        return "—" if seconds is None else duration_words(seconds)

    events = list(
        IncidentEvent.objects.filter(
            organisation_id=incident.organisation_id,
            incident_id=incident.id,
            visibility=Visibility.CLIENT,
        )
        .select_related("actor")
        .order_by("id")
    )
    return {
        "agency": incident.organisation.name,
        "logo_data_uri": organisation_logo_data_uri(organisation_id=incident.organisation_id),
        "brand": incident.brand,
        "incident": incident,
        "postmortem": postmortem,
        "sections": [(title, getattr(postmortem, name)) for name, title in SECTIONS],
        "metrics": [
            (
                label,
                words(metrics.get(key, {}).get("seconds")),
                words(metrics.get(key, {}).get("target_seconds")),
                metrics.get(key, {}).get("within_sla"),
            )
            for key, label in CLIENT_METRICS
        ],
        "timeline": event_views(events, {}, for_client=True),
        "action_items": list(postmortem.action_items.all()),
    }


def postmortem_client_html(*, postmortem: PostMortem) -> str:
    brand = postmortem.incident.brand
    with translation.override(brand.language), timezone.override(brand.time_zone):
        return render_to_string(
            "incidents/postmortem_client.html", postmortem_client_context(postmortem=postmortem)
        )


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint (pango underneath: .ci/install-pdf). No URL is fetched: the page is
    self-contained (the agency's logo is a data: URI), and the fetcher allows data: only —
    no file:, no http(s):, no redirects."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"], allow_redirects=False, timeout=1)
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def postmortem_client_pdf_export(
    *, postmortem: PostMortem, fmt: str, by: Membership
) -> bytes | str:
    """The client version as 'pdf' (bytes) or 'html' (text), audited like every export."""
    _audit_export(postmortem=postmortem, fmt=fmt, audience="client", by=by)
    html = postmortem_client_html(postmortem=postmortem)
    return html_to_pdf(html) if fmt == "pdf" else html
