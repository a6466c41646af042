"""How incidents read on a page, in the user's language: SLA clocks and timeline sentences.

Pure functions of already loaded objects (no queries): the views pass what they fetched
through the selectors.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from incidents.models import Incident, IncidentEvent, Status
from incidents.sla import sla_clocks
from tenants.models import Organisation, Severity, display_name

_F = TypeVar("_F", bound=Callable[..., Any])


def client_section(provider: _F) -> _F:
    """Mark a page section (of the incident room) that client staff see too; its version for
    them is the section's business. Unmarked sections are the agency's."""
    provider.for_clients = True  # type: ignore[attr-defined]
    return provider


# The labels of the three SLA clocks (a context: "Acknowledge" is also a button).
CLOCK_LABELS = {
    "acknowledge": pgettext_lazy("SLA clock", "Acknowledge"),
    "first_response": pgettext_lazy("SLA clock", "First response"),
    "resolve": pgettext_lazy("SLA clock", "Resolve"),
}


def duration_text(seconds: float) -> str:
    """H:MM:SS, hours unbounded (a 3-day target reads 72:00:00): the same as app.js writes."""
    seconds = int(abs(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def duration_words(seconds: float) -> str:
    """A short human duration for the timeline: 45 s, 12 min, 3 h 05 min, 2 d 4 h."""
    seconds = int(max(seconds, 0))
    if seconds < 60:
        return _("%(n)d s") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


@dataclass(frozen=True, slots=True)
class ClockView:
    kind: str
    label: str
    due_at: datetime
    met_at: datetime | None
    breached: bool
    pending: bool  # still counting down (not met, incident open)
    text: str

    @property
    def state(self) -> str:
        if self.breached:
            return "breached"
        return "met" if self.met_at else ("pending" if self.pending else "stopped")


def clock_views(
    incident: Incident, organisation: Organisation, now: datetime | None = None
) -> list[ClockView]:
    """The three SLA clocks of an incident, as a page shows them."""
    now = now or timezone.now()
    incident.organisation = organisation  # the request's: no query per row
    views = []
    for kind, clock in sla_clocks(incident, now).items():
        pending = clock.met_at is None and incident.is_open
        if clock.met_at is not None:
            taken = duration_words((clock.met_at - incident.detected_at).total_seconds())
            if clock.breached:
                text = _("late, in %(duration)s") % {"duration": taken}
            else:
                text = _("met in %(duration)s") % {"duration": taken}
        elif pending:
            remaining = (clock.due_at - now).total_seconds()
            text = duration_text(remaining)
            if remaining < 0:
                text = f"{_('overdue')} {text}"
        else:
            text = "—"
        views.append(
            ClockView(
                kind,
                str(CLOCK_LABELS[kind]),
                clock.due_at,
                clock.met_at,
                clock.breached,
                pending,
                text,
            )
        )
    return views


def next_clock(clocks: list[ClockView]) -> ClockView | None:
    """The clock that matters now: the first still counting down."""
    return next((c for c in clocks if c.pending), None)


def row_context(incident: Incident, request: HttpRequest, now: datetime) -> dict[str, Any]:
    """A board or dashboard row: the incident, its SLA clocks and the next one to run out."""
    clocks = clock_views(incident, request.organisation, now)
    return {"incident": incident, "clocks": clocks, "next_clock": next_clock(clocks)}


def _status(value: Any) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value)


def _severity(value: Any) -> str:
    try:
        return str(Severity(value).label)
    except ValueError:
        return str(value)


def _names(ids: Any, lookup: dict[int, str]) -> str:
    if not ids:
        return _("none")
    return ", ".join(lookup.get(i, f"#{i}") for i in ids)


def _response(payload: dict) -> str:
    return _("response #%(id)s (%(channel)s)") % {
        "id": payload.get("response", "?"),
        "channel": payload.get("channel", ""),
    }


def event_sentence(event: IncidentEvent, teams: dict[int, str]) -> str:
    """What happened, in a sentence whose subject is the actor (shown before it)."""
    p: dict[str, Any] = event.payload or {}
    kind = event.kind
    if kind == "created":
        sentence = _("opened the incident “%(title)s” (%(severity)s)") % {
            "title": p.get("title", ""),
            "severity": _severity(p.get("severity")),
        }
        if p.get("is_drill"):
            sentence += " — " + _("drill")
        return sentence
    if kind == "acknowledged":
        if p.get("tta_seconds") is not None:
            return _("acknowledged it after %(duration)s") % {
                "duration": duration_words(p["tta_seconds"])
            }
        return _("acknowledged it")
    if kind == "status_changed":
        return _("changed the status: %(old)s → %(new)s") % {
            "old": _status(p.get("from")),
            "new": _status(p.get("to")),
        }
    if kind == "severity_changed":
        return _("changed the severity: %(old)s → %(new)s") % {
            "old": _severity(p.get("from")),
            "new": _severity(p.get("to")),
        }
    if kind == "updated":
        return _("edited the incident (%(fields)s)") % {"fields": ", ".join(p.get("fields", []))}
    if kind == "assigned":
        parts = []
        if p.get("commander_name"):
            parts.append(_("made %(name)s the commander") % {"name": p["commander_name"]})
        if "teams" in p:
            parts.append(_("assigned the teams: %(teams)s") % {"teams": _names(p["teams"], teams)})
        return "; ".join(parts) or _("changed the assignment")
    if kind == "note":
        return _("added a note")
    if kind == "sla_breached":
        return _("SLA breached: %(clock)s (target %(minutes)s min)") % {
            "clock": CLOCK_LABELS.get(p.get("kind", ""), p.get("kind", "")),
            "minutes": p.get("target_minutes", "?"),
        }
    if kind == "mention_linked" and not p.get("rule"):
        return ngettext(
            "linked %(count)s mention by hand",
            "linked %(count)s mentions by hand",
            p.get("count", 0),
        ) % {"count": p.get("count", 0)}
    if kind == "mention_linked":
        return _("linked %(count)s mentions (rule “%(rule)s”)") % {
            "count": p.get("count", 0),
            "rule": (p.get("rule") or {}).get("name", ""),
        }
    if kind == "playbook_applied":
        count = int(p.get("task_count", 0) or 0)
        return ngettext(
            "applied the playbook “%(name)s” (%(count)s task)",
            "applied the playbook “%(name)s” (%(count)s tasks)",
            count,
        ) % {"name": p.get("name", ""), "count": count}
    if kind == "task_done":
        sentence = _("completed the task “%(title)s”") % {"title": p.get("title", "")}
        return sentence + (" — " + _("late") if p.get("late") else "")
    if kind == "task_reopened":
        return _("reopened the task “%(title)s”") % {"title": p.get("title", "")}
    if kind == "task_assigned":
        return _("assigned the task “%(title)s” to %(name)s") % {
            "title": p.get("title", ""),
            "name": p.get("assignee_name") or _("nobody"),
        }
    if kind == "escalation_notified":
        return _("called %(name)s (level %(level)s: %(channels)s)") % {
            "name": p.get("member_name", ""),
            "level": p.get("level", "?"),
            "channels": ", ".join(p.get("channels") or []) or _("no channel reaches them"),
        }
    if kind == "escalation_climbed":
        return _("escalated to level %(level)s (round %(round)s)") % {
            "level": p.get("level", "?"),
            "round": p.get("round", 1),
        }
    if kind == "escalation_deferred":
        return _("held the escalation until the quiet hours end")
    if kind == "escalation_stopped":
        if p.get("reason") == "acknowledged":
            return _("stopped the escalation: acknowledged")
        return _("stopped the escalation: every level was called")
    postmortem_sentences = {
        "postmortem_drafted": gettext_lazy("drafted the post-mortem"),
        "postmortem_submitted": gettext_lazy("submitted the post-mortem for review"),
        "postmortem_changes_requested": gettext_lazy("asked for changes to the post-mortem"),
        "postmortem_approved": gettext_lazy("approved the post-mortem; the incident is closed"),
    }
    if kind in postmortem_sentences:
        return str(postmortem_sentences[kind])
    response_sentences = {
        "response_drafted": gettext_lazy("drafted %(response)s"),
        "response_submitted": gettext_lazy("submitted %(response)s for approval"),
        "response_approved": gettext_lazy("approved %(response)s"),
        "response_client_approved": gettext_lazy("approved %(response)s for the client"),
        "response_rejected": gettext_lazy("sent %(response)s back for changes"),
        "response_published": gettext_lazy("published %(response)s"),
        "response_deleted": gettext_lazy("deleted %(response)s"),
        "response_escalated": gettext_lazy("escalated %(response)s: approval is overdue"),
    }
    if kind in response_sentences:
        return str(response_sentences[kind]) % {"response": _response(p)}
    return kind.replace("_", " ")


def event_detail(event: IncidentEvent) -> str:
    """The text shown under the sentence: a note's text, a rejection's reason."""
    p = event.payload or {}
    if event.kind == "note":
        return str(p.get("text", ""))
    if event.kind == "response_rejected":
        return str(p.get("reason", "") or "")
    if event.kind == "response_published" and p.get("url"):
        return str(p["url"])
    return ""


@dataclass(frozen=True, slots=True)
class EventView:
    id: int
    kind: str
    actor: str
    sentence: str
    detail: str
    created_at: datetime
    visibility: str


def _actor(event: IncidentEvent, for_client: bool) -> str:
    if not event.actor_id:
        return "CrisisDesk"
    return display_name(event.actor) if for_client else event.actor.get_username()


def event_views(
    events: list[IncidentEvent], teams: dict[int, str], *, for_client: bool = False
) -> list[EventView]:
    """Timeline entries; client staff read people's display names (the events are already
    the client's: `IncidentEvent.objects.visible_to`)."""
    return [
        EventView(
            e.id,
            e.kind,
            _actor(e, for_client),
            event_sentence(e, teams),
            event_detail(e),
            e.created_at,
            e.visibility,
        )
        for e in events
    ]
