"""How incidents read on a page, in the user's language: SLA clocks and timeline sentences.

Pure functions of already loaded objects (no queries): the views pass what they fetched
through the selectors.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _

from crisisdesk.core.time import duration_text, duration_words
from incidents.events import event_detail_for, event_sentence_for
from incidents.models import Incident, IncidentEvent
from incidents.sla import CLOCK_LABELS, sla_clocks
from tenants.models import Organisation, display_name
from tenants.tenancy import OrgRequest

_F = TypeVar("_F", bound=Callable[..., Any])


def client_section(provider: _F) -> _F:
    """Mark a page section (of the incident room) that client staff see too; its version for
    them is the section's business. Unmarked sections are the agency's."""
    provider.for_clients = True  # type: ignore[attr-defined]
    return provider


# Alike sla.py:SlaClock on purpose: that is the computed clock; this is its display (label,
# pending, text), kept apart so the SLA rules never depend on presentation.
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


def row_context(incident: Incident, request: OrgRequest, now: datetime) -> dict[str, Any]:
    """A board or dashboard row: the incident, its SLA clocks and the next one to run out."""
    clocks = clock_views(incident, request.organisation, now)
    return {"incident": incident, "clocks": clocks, "next_clock": next_clock(clocks)}


def event_sentence(event: IncidentEvent, teams: dict[int, str]) -> str:
    """What happened, in a sentence whose subject is the actor (shown before it): the kind's
    sentence in the registry (incidents.events)."""
    return event_sentence_for(event.kind, event.payload or {}, teams)


def event_detail(event: IncidentEvent) -> str:
    """The text shown under the sentence: a note's text, a rejection's reason."""
    return event_detail_for(event.kind, event.payload or {})


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
    actor = event.actor  # None (no query) when the event has no actor
    if actor is None:
        return "CrisisDesk"
    return display_name(actor) if for_client else actor.get_username()


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
