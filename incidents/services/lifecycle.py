"""Every change to an incident: one function per use case, each writing its timeline event in
the same transaction (the event relay of incidents/realtime.py pushes it live once committed)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict, DomainError, NotFound, choice
from incidents import events
from incidents.events import EventKind, UnknownEventKind, event_kind
from incidents.models import (
    Incident,
    IncidentEvent,
    IncidentSource,
    Status,
    Visibility,
)
from tenants.models import Brand, Membership, Team


class TransitionRefused(Conflict):
    """A status change the lifecycle does not allow; carries the allowed next statuses."""

    def __init__(self, incident: Incident, target: str) -> None:
        allowed = incident.allowed_next()
        super().__init__(
            gettext_lazy("Cannot move an incident from %(current)s to %(target)s."),
            params={"current": choice(Status, incident.status), "target": choice(Status, target)},
            field="status",
            current=incident.status,
            allowed=allowed,
        )


class ResolvedHook(Protocol):
    def __call__(self, *, incident: Incident) -> object: ...


# What the parts above the lifecycle do when an incident resolves, inside the resolving
# transaction (post-mortems draft one). Registered from IncidentsConfig.ready(): the lifecycle
# never imports the parts that build on it.
_RESOLVED_HOOKS: list[ResolvedHook] = []


def resolved_hook_register(hook: ResolvedHook) -> None:
    """Run `hook(incident=…)` whenever an incident resolves; registering twice runs it once."""
    if hook not in _RESOLVED_HOOKS:
        _RESOLVED_HOOKS.append(hook)


class EventHook(Protocol):
    def __call__(self, *, event: IncidentEvent, incident: Incident) -> object: ...


# What the parts above the lifecycle do with every event, inside the recording transaction
# (notifications schedule the incident's Telegram messages after commit). Registered from
# IncidentsConfig.ready(), like the resolved hooks.
_EVENT_HOOKS: list[EventHook] = []


def event_hook_register(hook: EventHook) -> None:
    """Run `hook(event=…, incident=…)` after each event_record; registering twice runs it once."""
    if hook not in _EVENT_HOOKS:
        _EVENT_HOOKS.append(hook)


def _team_ids(incident: Incident) -> list[int]:
    return list(incident.teams.values_list("id", flat=True))


def event_record(
    *,
    incident: Incident,
    kind: EventKind,
    actor: User | None,
    payload: dict[str, Any] | None = None,
    visibility: str | None = None,
) -> IncidentEvent:
    """Append one event to the incident's timeline; the relay pushes it once committed.

    Must run inside the transaction that made the change it records. An `assigned` event
    also reaches the teams in its payload's `previous_teams` (they see their own
    un-assignment). The kind must be declared in the registry (incidents.events: an unknown
    one raises UnknownEventKind before anything is written); the visibility is the kind's
    default unless given. `kind` is the declared object (e.g. `incidents.events.NOTE`): one
    that is not the registered declaration of its name is refused too.
    """
    if event_kind(kind.name) is not kind:
        raise UnknownEventKind(f"The timeline event kind {kind.name!r} is not the declared one.")
    event = IncidentEvent.objects.create(
        organisation_id=incident.organisation_id,
        incident=incident,
        kind=kind.name,
        actor=actor if actor is not None and actor.is_authenticated else None,
        payload=payload or {},
        visibility=visibility or kind.visibility,
    )
    for hook in _EVENT_HOOKS:
        hook(event=event, incident=incident)
    return event


def _own(items: Iterable[Any], organisation_id: int, not_found: Promise, field: str) -> list[Any]:
    items = list(items)
    if any(item.organisation_id != organisation_id for item in items):
        raise NotFound(not_found, field=field)
    return items


# Alike templates/services/responses.py:response_create on purpose: each creates its own row
# (an incident, a response) in a transaction and records its own event.
def incident_create(
    *,
    brand: Brand,
    title: str,
    severity: str,
    by: Membership | None,
    summary: str = "",
    teams: Iterable[Team] | None = None,
    source: str = IncidentSource.MANUAL,
    is_drill: bool = False,
    crisis_type: str = "",
    detected_at: datetime | None = None,
) -> Incident:
    """Log an incident. It always starts `detected` (TTA counts from detected_at).

    Without teams, the brand's default teams are assigned. `by` is None when the system
    logs it (detection).
    """
    actor = by.user if by is not None else None
    with transaction.atomic():
        incident = Incident.objects.create(
            organisation_id=brand.organisation_id,
            brand=brand,
            title=title,
            summary=summary,
            severity=severity,
            status=Status.DETECTED,
            source=IncidentSource.DRILL if is_drill else source,
            is_drill=is_drill,
            crisis_type=crisis_type,
            created_by=actor,
            detected_at=detected_at or timezone.now(),
        )
        team_list = (
            _own(teams, brand.organisation_id, gettext_lazy("Team not found."), "teams")
            if teams is not None
            else list(brand.default_teams.all())
        )
        incident.teams.set(team_list)
        event_record(
            incident=incident,
            kind=events.CREATED,
            actor=actor,
            payload={
                "title": title,
                "severity": severity,
                "status": Status.DETECTED,
                "source": incident.source,
                "brand": brand.id,
                "teams": sorted(t.id for t in team_list),
                "is_drill": is_drill,
            },
        )
    return incident


def _locked(incident: Incident) -> Incident:
    locked = (
        Incident.objects.select_for_update()
        .select_related("organisation")
        .get(organisation_id=incident.organisation_id, pk=incident.pk)
    )
    return locked


# Alike incident_transition below and playbooks/services/incident_tasks.py on purpose: each
# saves its own fields under the row lock, then records its own event kind and payload.
def incident_acknowledge(*, incident: Incident, by: Membership) -> Incident:
    """Acknowledge a `detected` incident once; a second caller gets 409 with the allowed statuses.

    The acknowledger becomes commander when the incident has none.
    """
    with transaction.atomic():
        locked = _locked(incident)
        if locked.status != Status.DETECTED:
            raise TransitionRefused(locked, Status.ACKNOWLEDGED)
        now = timezone.now()
        locked.status = Status.ACKNOWLEDGED
        locked.acknowledged_at = now
        fields = ["status", "acknowledged_at", "updated_at"]
        if locked.commander_id is None:
            locked.commander = by
            fields.append("commander")
        locked.save(update_fields=fields)
        event_record(
            incident=locked,
            kind=events.ACKNOWLEDGED,
            actor=by.user,
            payload={
                "from": Status.DETECTED,
                "to": Status.ACKNOWLEDGED,
                "tta_seconds": int((now - locked.detected_at).total_seconds()),
                "commander": locked.commander_id,
            },
        )
    return locked


_STAMPS = {Status.RESOLVED: "resolved_at", Status.CLOSED: "closed_at"}


def incident_transition(
    *,
    incident: Incident,
    status: str,
    by: Membership,
    allow_close: bool = False,
) -> Incident:
    """Move the incident along its lifecycle.

    Refuses (409, with the allowed next statuses) any move TRANSITIONS does not allow, and
    `closed` unless it comes from an approved post-mortem (allow_close).
    """
    if status == Status.ACKNOWLEDGED:
        return incident_acknowledge(incident=incident, by=by)
    with transaction.atomic():
        locked = _locked(incident)
        allowed = locked.allowed_next()
        if status not in allowed or (status == Status.CLOSED and not allow_close):
            raise TransitionRefused(locked, status)
        previous = locked.status
        locked.status = status
        fields = ["status", "updated_at"]
        stamp = _STAMPS.get(Status(status))
        if stamp and getattr(locked, stamp) is None:  # timestamps are set once
            setattr(locked, stamp, timezone.now())
            fields.append(stamp)
        locked.save(update_fields=fields)
        event_record(
            incident=locked,
            kind=events.STATUS_CHANGED,
            actor=by.user,
            payload={"from": previous, "to": status},
        )
        if status == Status.RESOLVED:
            for hook in _RESOLVED_HOOKS:
                hook(incident=locked)
    return locked


# Alike tenants/services.py:membership_update and templates/services/library.py:template_update
# on purpose: the keyword-only "change what is given" signature, each over its own model.
def incident_update(
    *,
    incident: Incident,
    by: Membership,
    title: str | None = None,
    summary: str | None = None,
    severity: str | None = None,
) -> Incident:
    """Edit title, summary or severity. A severity change is its own event."""
    with transaction.atomic():
        locked = _locked(incident)
        if locked.status == Status.CLOSED:
            raise Conflict(gettext_lazy("A closed incident cannot be edited."))
        changed: list[str] = []
        if title is not None and title != locked.title:
            locked.title = title
            changed.append("title")
        if summary is not None and summary != locked.summary:
            locked.summary = summary
            changed.append("summary")
        previous_severity = locked.severity
        severity_changed = severity is not None and severity != locked.severity
        if severity_changed and severity is not None:
            locked.severity = severity
        if not changed and not severity_changed:
            return locked
        locked.save(
            update_fields=[*changed, *(["severity"] if severity_changed else []), "updated_at"]
        )
        if changed:
            event_record(
                incident=locked,
                kind=events.UPDATED,
                actor=by.user,
                payload={"fields": changed, "title": locked.title},
            )
        if severity_changed:
            event_record(
                incident=locked,
                kind=events.SEVERITY_CHANGED,
                actor=by.user,
                payload={"from": previous_severity, "to": severity},
            )
    return locked


def incident_assign(
    *,
    incident: Incident,
    by: Membership,
    teams: Iterable[Team] | None = None,
    commander: Membership | None = None,
) -> Incident:
    """Re-assign teams and/or the commander. Teams removed still receive this one event."""
    with transaction.atomic():
        locked = _locked(incident)
        previous_team_ids = _team_ids(locked)
        payload: dict[str, Any] = {}
        if teams is not None:
            team_list = _own(
                teams, locked.organisation_id, gettext_lazy("Team not found."), "teams"
            )
            locked.teams.set(team_list)
            payload["teams"] = sorted(t.id for t in team_list)
            payload["previous_teams"] = sorted(previous_team_ids)
        if commander is not None:
            _own(
                [commander],
                locked.organisation_id,
                gettext_lazy("Commander not found."),
                "commanders",
            )
            if commander.is_client or not commander.sees_brand(locked.brand_id):
                raise DomainError(
                    gettext_lazy(
                        "The commander must be agency staff who can see the incident's brand."
                    ),
                    field="commander",
                )
            payload["previous_commander"] = locked.commander_id
            locked.commander = commander
            locked.save(update_fields=["commander", "updated_at"])
            payload["commander"] = commander.id
            payload["commander_name"] = commander.user.get_username()
        if not payload:
            raise DomainError(gettext_lazy("Give teams, a commander, or both."), field="teams")
        event_record(
            incident=locked,
            kind=events.ASSIGNED,
            actor=by.user,
            payload=payload,
        )
    return locked


def incident_add_note(
    *,
    incident: Incident,
    by: Membership,
    text: str,
    visibility: str = Visibility.INTERNAL,
) -> IncidentEvent:
    """A note on the timeline: internal (never shown to client staff, never in a client
    export) unless its author marks it for the client. A client member's own note is for
    the client by nature: they cannot write an internal one."""
    text = text.strip()
    if not text:
        raise DomainError(gettext_lazy("A note cannot be empty."), field="text")
    if visibility not in Visibility.values:
        raise DomainError(gettext_lazy("Unknown visibility."), field="visibility")
    if by.is_client:
        visibility = Visibility.CLIENT
    with transaction.atomic():
        return event_record(
            incident=incident,
            kind=events.NOTE,
            actor=by.user,
            payload={"text": text},
            visibility=visibility,
        )


def incident_record_first_response(*, incident: Incident, at: datetime) -> bool:
    """Set first_response_at if not yet set (exactly once); returns whether it was set.

    Called by the responses workflow inside its own transaction.
    """
    updated = Incident.objects.filter(
        organisation_id=incident.organisation_id, pk=incident.pk, first_response_at__isnull=True
    ).update(first_response_at=at, updated_at=timezone.now())
    if updated:
        incident.first_response_at = at
    return bool(updated)
