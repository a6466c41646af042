"""The registry of timeline event kinds: each kind declared once, with its payload type, its
visibility default, its sentence (translated at render time) and whether the post-mortem's key
timeline keeps it.

The incident's own kinds (lifecycle, SLA and escalation, monitoring, post-mortems) are declared
here; playbooks and templates declare theirs in their own `events.py` and register them from
their `AppConfig.ready`, so that this app never imports them. `event_record` refuses a kind
nobody declared (`event_kind`), and the timeline, the post-mortem prefill and its editor read
the sentence and the key label from here.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crisisdesk.core.time import duration_words
from incidents.models import Status, Visibility
from incidents.sla import CLOCK_LABELS
from tenants.models import Severity

# A sentence: what happened, from the event's payload, with the actor as its subject (shown
# before it). `teams` names the organisation's teams by id (for `assigned`).
Sentence = Callable[[Mapping[str, Any], Mapping[int, str]], str]
# The text shown under the sentence (a note's text, a rejection's reason).
Detail = Callable[[Mapping[str, Any]], str]


class UnknownEventKind(LookupError):
    """A kind nobody declared: a programming error, refused before anything is written."""


@dataclass(frozen=True, slots=True)
class EventKind:
    name: str
    payload: type  # the TypedDict of its payload (documentation and type checking)
    visibility: str  # the default; a writer may say otherwise (a note marked for the client)
    sentence: Sentence
    detail: Detail | None = None
    # The label of the post-mortem's key timeline, for the kinds it keeps.
    key_label: Promise | None = None

    @property
    def is_key(self) -> bool:
        return self.key_label is not None


_KINDS: dict[str, EventKind] = {}


def event_kinds_register(*kinds: EventKind) -> None:
    """Declare kinds (from an AppConfig.ready); the same declaration twice is a no-op, a
    different one under a taken name is refused."""
    for kind in kinds:
        known = _KINDS.get(kind.name)
        if known is not None and known != kind:
            raise ValueError(f"The event kind {kind.name!r} is declared twice.")
        _KINDS[kind.name] = kind


def event_kind(name: str) -> EventKind:
    """The declared kind; UnknownEventKind for any other name."""
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownEventKind(f"Undeclared timeline event kind {name!r}.") from None


def event_kinds() -> list[EventKind]:
    return list(_KINDS.values())


def event_visibility_default(name: str) -> str:
    """The kind's visibility; a kind not declared (an old row) is internal: fail closed."""
    kind = _KINDS.get(name)
    return kind.visibility if kind is not None else Visibility.INTERNAL


def key_event_kinds() -> tuple[str, ...]:
    """The kinds the post-mortem's key timeline keeps."""
    return tuple(k.name for k in _KINDS.values() if k.is_key)


def key_event_label(name: str) -> str:
    kind = _KINDS.get(name)
    return str(kind.key_label) if kind is not None and kind.key_label is not None else name


def event_sentence_for(name: str, payload: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    """The sentence of an event; a kind no longer declared reads as its name in words."""
    kind = _KINDS.get(name)
    if kind is None:
        return name.replace("_", " ")
    return kind.sentence(payload, teams)


def event_detail_for(name: str, payload: Mapping[str, Any]) -> str:
    kind = _KINDS.get(name)
    if kind is None or kind.detail is None:
        return ""
    return kind.detail(payload)


# --- Helpers of the sentences (for the other apps' declarations too) ---


def status_label(value: Any) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value)


def severity_label(value: Any) -> str:
    try:
        return str(Severity(value).label)
    except ValueError:
        return str(value)


def names_text(ids: Iterable[int] | None, lookup: Mapping[int, str]) -> str:
    if not ids:
        return _("none")
    return ", ".join(lookup.get(i, f"#{i}") for i in ids)


def fixed(message: Promise) -> Sentence:
    """A sentence that does not depend on the payload."""
    return lambda p, teams: str(message)


# --- Payloads of the incident's own kinds ---


# Alike playbooks/events.py:PlaybookAppliedPayload on purpose: each kind's payload is its own
# TypedDict, declared by the app that records it.
class CreatedPayload(TypedDict, total=False):
    title: str
    severity: str
    status: str
    source: str
    brand: int
    teams: list[int]
    is_drill: bool


class AcknowledgedPayload(TypedDict, total=False):
    to: str
    tta_seconds: int
    commander: int | None


# "from" is a keyword: the functional form.
FromToPayload = TypedDict("FromToPayload", {"from": str, "to": str}, total=False)


class UpdatedPayload(TypedDict, total=False):
    fields: list[str]
    title: str


class AssignedPayload(TypedDict, total=False):
    teams: list[int]
    previous_teams: list[int]
    commander: int
    commander_name: str
    previous_commander: int | None


class NotePayload(TypedDict, total=False):
    text: str


class SlaBreachedPayload(TypedDict, total=False):
    kind: str  # acknowledge, first_response, resolve
    severity: str
    target_minutes: int
    due_at: Any


class EscalationPayload(TypedDict, total=False):
    level: int
    round: int
    member: int
    member_name: str
    channels: list[str]
    target: str
    notified: list[int]
    until: str
    reason: str


class MentionLinkedPayload(TypedDict, total=False):
    count: int
    mentions: list[int]
    rule: dict[str, Any]  # {"id", "name"}; absent when linked by hand
    reason: str
    manual: bool


class PostMortemPayload(TypedDict, total=False):
    postmortem: int
    is_drill: bool
    comments: str


# --- Sentences of the incident's own kinds ---


def _created(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    sentence = _("opened the incident “%(title)s” (%(severity)s)") % {
        "title": p.get("title", ""),
        "severity": severity_label(p.get("severity")),
    }
    if p.get("is_drill"):
        sentence += " — " + _("drill")
    return sentence


def _acknowledged(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    if p.get("tta_seconds") is not None:
        return _("acknowledged it after %(duration)s") % {
            "duration": duration_words(p["tta_seconds"])
        }
    return _("acknowledged it")


def _status_changed(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    return _("changed the status: %(old)s → %(new)s") % {
        "old": status_label(p.get("from")),
        "new": status_label(p.get("to")),
    }


def _severity_changed(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    return _("changed the severity: %(old)s → %(new)s") % {
        "old": severity_label(p.get("from")),
        "new": severity_label(p.get("to")),
    }


def _updated(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    return _("edited the incident (%(fields)s)") % {"fields": ", ".join(p.get("fields", []))}


def _assigned(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    parts = []
    if p.get("commander_name"):
        parts.append(_("made %(name)s the commander") % {"name": p["commander_name"]})
    if "teams" in p:
        parts.append(_("assigned the teams: %(teams)s") % {"teams": names_text(p["teams"], teams)})
    return "; ".join(parts) or _("changed the assignment")


def _sla_breached(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    return _("SLA breached: %(clock)s (target %(minutes)s min)") % {
        "clock": CLOCK_LABELS.get(p.get("kind", ""), p.get("kind", "")),
        "minutes": p.get("target_minutes", "?"),
    }


def _mention_linked(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    if not p.get("rule"):
        return ngettext(
            "linked %(count)s mention by hand",
            "linked %(count)s mentions by hand",
            p.get("count", 0),
        ) % {"count": p.get("count", 0)}
    return ngettext(
        "linked %(count)s mention (rule “%(rule)s”)",
        "linked %(count)s mentions (rule “%(rule)s”)",
        p.get("count", 0),
    ) % {"count": p.get("count", 0), "rule": (p.get("rule") or {}).get("name", "")}


def _escalation_notified(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    return _("called %(name)s (level %(level)s: %(channels)s)") % {
        "name": p.get("member_name", ""),
        "level": p.get("level", "?"),
        "channels": ", ".join(p.get("channels") or []) or _("no channel reaches them"),
    }


def _escalation_climbed(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    return _("escalated to level %(level)s (round %(round)s)") % {
        "level": p.get("level", "?"),
        "round": p.get("round", 1),
    }


def _escalation_stopped(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    if p.get("reason") == "acknowledged":
        return _("stopped the escalation: acknowledged")
    return _("stopped the escalation: every level was called")


def _note_text(p: Mapping[str, Any]) -> str:
    return str(p.get("text", ""))


_CLIENT, _INTERNAL = Visibility.CLIENT, Visibility.INTERNAL

# Client staff read the status, severity and SLA state of their brands' incidents and the
# approved post-mortem; the agency's work (notes, assignments, mentions, escalation: who was
# paged) stays internal.

# The lifecycle (incidents.services.lifecycle)
CREATED = EventKind("created", CreatedPayload, _CLIENT, _created, key_label=gettext_lazy("Opened"))
# Alike the other kinds below on purpose: one EventKind per kind (name, payload, visibility,
# sentence, key label), declared once each; only the values differ.
ACKNOWLEDGED = EventKind(
    "acknowledged",
    AcknowledgedPayload,
    _CLIENT,
    _acknowledged,
    key_label=gettext_lazy("Acknowledged"),
)
# Alike templates/events.py's RESPONSE_* kinds on purpose: the same declaration, its own kind.
STATUS_CHANGED = EventKind(
    "status_changed",
    FromToPayload,
    _CLIENT,
    _status_changed,
    key_label=gettext_lazy("Status changed"),
)
# Alike SLA_BREACHED below on purpose: each kind declared once, with its own key label.
SEVERITY_CHANGED = EventKind(
    "severity_changed",
    FromToPayload,
    _CLIENT,
    _severity_changed,
    key_label=gettext_lazy("Severity changed"),
)
UPDATED = EventKind("updated", UpdatedPayload, _INTERNAL, _updated)
ASSIGNED = EventKind("assigned", AssignedPayload, _INTERNAL, _assigned)
NOTE = EventKind("note", NotePayload, _INTERNAL, fixed(gettext_lazy("added a note")), _note_text)

# SLA and escalation (incidents.notifications)
SLA_BREACHED = EventKind(
    "sla_breached",
    SlaBreachedPayload,
    _CLIENT,
    _sla_breached,
    key_label=gettext_lazy("SLA breached"),
)
ESCALATION_NOTIFIED = EventKind(
    "escalation_notified", EscalationPayload, _INTERNAL, _escalation_notified
)
ESCALATION_CLIMBED = EventKind(
    "escalation_climbed", EscalationPayload, _INTERNAL, _escalation_climbed
)
ESCALATION_DEFERRED = EventKind(
    "escalation_deferred",
    EscalationPayload,
    _INTERNAL,
    fixed(gettext_lazy("held the escalation until the quiet hours end")),
)
ESCALATION_STOPPED = EventKind(
    "escalation_stopped", EscalationPayload, _INTERNAL, _escalation_stopped
)

# Monitoring
MENTION_LINKED = EventKind("mention_linked", MentionLinkedPayload, _INTERNAL, _mention_linked)

# Post-mortems. Alike each other and templates/events.py's RESPONSE_* on purpose: one
# declaration per step of the review, each its own sentence and visibility.
POSTMORTEM_DRAFTED = EventKind(
    "postmortem_drafted",
    PostMortemPayload,
    _INTERNAL,
    fixed(gettext_lazy("drafted the post-mortem")),
)
# Alike templates/events.py:RESPONSE_SUBMITTED on purpose: the post-mortem's own review step.
POSTMORTEM_SUBMITTED = EventKind(
    "postmortem_submitted",
    PostMortemPayload,
    _INTERNAL,
    fixed(gettext_lazy("submitted the post-mortem for review")),
)
POSTMORTEM_CHANGES_REQUESTED = EventKind(
    "postmortem_changes_requested",
    PostMortemPayload,
    _INTERNAL,
    fixed(gettext_lazy("asked for changes to the post-mortem")),
)
POSTMORTEM_APPROVED = EventKind(
    "postmortem_approved",
    PostMortemPayload,
    _CLIENT,
    fixed(gettext_lazy("approved the post-mortem; the incident is closed")),
)

INCIDENT_KINDS = (
    CREATED,
    ACKNOWLEDGED,
    STATUS_CHANGED,
    SEVERITY_CHANGED,
    UPDATED,
    ASSIGNED,
    NOTE,
    SLA_BREACHED,
    ESCALATION_NOTIFIED,
    ESCALATION_CLIMBED,
    ESCALATION_DEFERRED,
    ESCALATION_STOPPED,
    MENTION_LINKED,
    POSTMORTEM_DRAFTED,
    POSTMORTEM_SUBMITTED,
    POSTMORTEM_CHANGES_REQUESTED,
    POSTMORTEM_APPROVED,
)
