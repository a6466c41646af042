"""Duty rotas and escalation: who is on duty, which policy applies to an incident, and the climb,
level after level, until someone acknowledges.

The climb is a beat task (`escalation-climb`, every minute) that calls `escalation_climb(now=…)`:
- an open, unacknowledged incident with a policy and no climb yet gets one, its first level due
  `delay_minutes` after detection (0: at once);
- a due climb is locked (SKIP LOCKED: two beats never call one level twice); if the incident is no
  longer `detected` — acknowledged from the web, the API, Telegram or an email link — the climb
  stops with an `escalation_stopped` event; in quiet hours (not for SEV1) it waits for their end
  (`escalation_deferred`); otherwise the level's people are called by their chosen channels
  (`escalation_notified`, one event per person) and the climb moves on (`escalation_climbed`);
  after the last level it starts again while rounds remain (`repeat`), then stops;
- a drill calls only its participants (members of its teams and its commander).
Every time is compared with `now`, which tests pass explicitly.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import DomainError
from incidents import events
from incidents.models import Incident, SlaBreach, Status
from incidents.notifications.models import (
    Channel,
    DutyRota,
    Escalation,
    EscalationLevel,
    EscalationPolicy,
    NotificationPreference,
    RotaOverride,
    TelegramAccount,
    TelegramBot,
    default_channels,
)
from incidents.notifications.services import CLOCK_NAMES, incident_data, notify
from incidents.notifications.telegram.messages import incident_url
from incidents.services import event_record
from tenants.mail import language_of
from tenants.models import Brand, MemberKind, Membership, Organisation, Role, Team

REPEAT_MINUTES = 5
START_WINDOW = timedelta(hours=24)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(gettext_lazy("Unknown time zone."), field="time_zone") from None


# --- rotas ---


def rota_on_duty(rota: DutyRota, at: datetime) -> int | None:
    """The membership id on duty at `at`: an override covering it, else the rotation. Shifts are
    counted in the rota's local wall-clock time, so a handover stays at its local hour across
    daylight-saving changes."""
    for override in rota.overrides.all():
        if override.starts_at <= at < override.ends_at:
            return override.membership_id
    members = list(rota.member_ids or [])
    if not members:
        return None
    tz = zone(rota.time_zone)
    start = rota.starts_at.astimezone(tz).replace(tzinfo=None)
    local = at.astimezone(tz).replace(tzinfo=None)
    hours = 168 if rota.rotation == DutyRota.Rotation.WEEKLY else max(1, rota.shift_hours)
    shifts = math.floor((local - start).total_seconds() / (hours * 3600))
    return int(members[shifts % len(members)])


def rota_save(
    *,
    team: Team,
    by: Membership,
    member_ids: list[int],
    starts_at: datetime,
    time_zone: str = "UTC",
    rotation: str = DutyRota.Rotation.WEEKLY,
    shift_hours: int = 168,
) -> DutyRota:
    """Create or replace the team's rota. Refuses (400) people outside the team, an unknown time
    zone, a custom rotation without a shift length."""
    zone(time_zone)
    team_members = set(team.members.values_list("id", flat=True))
    if not member_ids or any(int(m) not in team_members for m in member_ids):
        raise DomainError(
            gettext_lazy("Put the team's own members in the rota."), field="member_ids"
        )
    if rotation == DutyRota.Rotation.CUSTOM and not shift_hours:
        raise DomainError(gettext_lazy("Give the length of a shift."), field="shift_hours")
    rota, _created = DutyRota.objects.update_or_create(
        organisation_id=team.organisation_id,
        team=team,
        defaults={
            "member_ids": [int(m) for m in member_ids],
            "starts_at": starts_at,
            "time_zone": time_zone,
            "rotation": rotation,
            "shift_hours": 168 if rotation == DutyRota.Rotation.WEEKLY else shift_hours,
        },
    )
    return rota


def rota_override_add(
    *, rota: DutyRota, membership: Membership, starts_at: datetime, ends_at: datetime
) -> RotaOverride:
    """Put someone of the organisation on duty for a span. Refuses (400) an empty span."""
    if ends_at <= starts_at:
        raise DomainError(gettext_lazy("The override must end after it starts."), field="ends_at")
    if membership.organisation_id != rota.organisation_id:
        raise DomainError(
            gettext_lazy("Put the team's own members in the rota."), field="membership"
        )
    # Alike postmortems/services.py:action_item_create on purpose: each creates its own row.
    return RotaOverride.objects.create(
        organisation_id=rota.organisation_id,
        rota=rota,
        membership=membership,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def rota_override_remove(*, override: RotaOverride) -> None:
    """Take an override off the rota: the rotation decides that span again. The caller scopes
    the override to the member's organisation and asks for confirmation."""
    override.delete()


# --- policies ---


def policy_save(
    *,
    organisation: Organisation,
    name: str,
    levels: list[dict[str, Any]],
    brand: Brand | None = None,
    severity: str = "",
    repeat: int = 1,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    time_zone: str = "UTC",
    policy: EscalationPolicy | None = None,
) -> EscalationPolicy:
    """Create (or, with `policy`, replace) a policy and its levels, in order. Refuses (400) no
    levels, an unknown target, half of the quiet hours, a second policy of the same scope."""
    zone(time_zone)
    if not levels:
        raise DomainError(gettext_lazy("Give at least one level."), field="levels")
    targets = set(EscalationLevel.Target.values)
    if any(level.get("target") not in targets for level in levels):
        raise DomainError(gettext_lazy("Unknown level target."), field="levels")
    if (quiet_start is None) != (quiet_end is None):
        raise DomainError(gettext_lazy("Give both ends of the quiet hours."), field="quiet_start")
    scope = EscalationPolicy.objects.filter(
        organisation=organisation, brand=brand, severity=severity
    )
    if policy is not None:
        scope = scope.exclude(pk=policy.pk)
    if scope.exists():
        raise DomainError(
            gettext_lazy("A policy for this brand and severity exists already."), field="severity"
        )
    with transaction.atomic():
        policy = policy or EscalationPolicy(organisation=organisation)
        policy.name, policy.brand, policy.severity = name, brand, severity
        policy.repeat = max(1, repeat)
        policy.quiet_start, policy.quiet_end, policy.time_zone = quiet_start, quiet_end, time_zone
        policy.save()
        policy.levels.all().delete()
        # Alike playbooks/services/library.py's steps on purpose: each replaces its own rows.
        EscalationLevel.objects.bulk_create(
            EscalationLevel(
                organisation=organisation,
                policy=policy,
                position=i,
                target=level["target"],
                delay_minutes=int(level.get("delay_minutes") or 0),
            )
            for i, level in enumerate(levels)
        )
    return policy


def policy_for(incident: Incident) -> EscalationPolicy | None:
    """Brand and severity, then brand, then severity, then the organisation's default."""
    candidates = EscalationPolicy.objects.filter(organisation_id=incident.organisation_id).filter(
        Q(brand_id=incident.brand_id) | Q(brand__isnull=True)
    )
    candidates = candidates.filter(Q(severity=incident.severity) | Q(severity=""))
    ranked = sorted(candidates, key=lambda p: (p.brand_id is None, p.severity == ""))
    return ranked[0] if ranked else None


# --- who is called ---


def _in_quiet_hours(policy: EscalationPolicy, now: datetime) -> datetime | None:
    """The end of the quiet hours `now` falls in, or None."""
    if policy.quiet_start is None or policy.quiet_end is None:
        return None
    tz = zone(policy.time_zone)
    local = now.astimezone(tz)
    start = local.replace(
        hour=policy.quiet_start.hour, minute=policy.quiet_start.minute, second=0, microsecond=0
    )
    end = local.replace(
        hour=policy.quiet_end.hour, minute=policy.quiet_end.minute, second=0, microsecond=0
    )
    if policy.quiet_start <= policy.quiet_end:  # 01:00–06:00
        return end if start <= local < end else None
    # Across midnight (22:00–08:00): after the start today, or before the end today.
    if local >= start:
        return end + timedelta(days=1)
    if local < end:
        return end
    return None


def level_recipients(level: EscalationLevel, incident: Incident, now: datetime) -> list[Membership]:
    teams = list(incident.teams.all())
    # Only the agency's staff are ever called (a page names the incident, whatever its brand).
    members = Membership.objects.filter(
        organisation_id=incident.organisation_id, kind=MemberKind.AGENCY
    )
    ids: list[int] = []
    if level.target == EscalationLevel.Target.ON_DUTY:
        for rota in DutyRota.objects.filter(team__in=teams).prefetch_related("overrides"):
            on_duty = rota_on_duty(rota, now)
            if on_duty is not None:
                ids.append(on_duty)
    elif level.target == EscalationLevel.Target.TEAM:
        ids = list(members.filter(teams__in=teams).values_list("id", flat=True))
    elif level.target == EscalationLevel.Target.BRAND_MANAGER:
        # Managers of the brand: those limited to it first, else every unlimited manager.
        managers = members.filter(role=Role.MANAGER)
        limited = list(managers.filter(brands=incident.brand_id).values_list("id", flat=True))
        ids = limited or list(managers.filter(brands__isnull=True).values_list("id", flat=True))
    elif level.target == EscalationLevel.Target.OWNERS:
        ids = list(members.filter(role=Role.OWNER).values_list("id", flat=True))
    if incident.is_drill:
        participants = set(Membership.objects.filter(teams__in=teams).values_list("id", flat=True))
        if incident.commander_id:
            participants.add(incident.commander_id)
        ids = [i for i in ids if i in participants]
    unique = list(dict.fromkeys(ids))
    people = {m.id: m for m in members.filter(id__in=unique).select_related("user")}
    return [people[i] for i in unique if i in people]


def _delivery_key(delivery: str, channel: str) -> str:
    """The once-only key of one escalation message by one channel."""
    return hashlib.sha256(f"{delivery}:{channel}".encode()).hexdigest()


def _channels_of(membership: Membership) -> list[str]:
    preference = NotificationPreference.objects.filter(membership=membership).first()
    return list(preference.channels) if preference else default_channels()


def _call(
    *,
    escalation: Escalation | None,
    incident: Incident,
    membership: Membership,
    level: EscalationLevel,
    breach: SlaBreach | None = None,
) -> list[str]:
    """Call one person by each of their channels that can reach them; returns those used.
    With `breach`, the call says which SLA target the incident missed (once per breach)."""
    organisation = incident.organisation
    used = []
    language = language_of(membership.user, incident.brand.language)
    values = {
        "severity": incident.severity.upper(),
        "id": incident.id,
        "title": incident.title,
        "brand": incident.brand.name,
        "level": level.position + 1,
        "url": incident_url(incident),
    }
    with translation.override(language):
        # Alike each other on purpose: two messages, each its own wording to translate whole.
        if breach is None:
            subject = _("[CrisisDesk] %(severity)s #%(id)s needs you: %(title)s") % values
            body = (
                _(
                    "Incident #%(id)s “%(title)s” (%(brand)s) is not acknowledged yet; you are called "
                    "at escalation level %(level)s. Acknowledge it: %(url)s"
                )
                % values
            )
        else:
            values["clock"] = CLOCK_NAMES[breach.kind]
            subject = _("[CrisisDesk] SLA breached on #%(id)s (%(severity)s): %(clock)s") % values
            body = (
                _(
                    "Incident #%(id)s “%(title)s” (%(brand)s) missed its %(clock)s target; you are "
                    "called at escalation level %(level)s. Open it: %(url)s"
                )
                % values
            )
        ack = _("Acknowledge")
    if breach is not None:
        delivery = f"breach:{breach.id}:{membership.id}"
    else:
        assert escalation is not None
        delivery = f"esc:{escalation.id}:{escalation.round}:{level.position}:{membership.id}"
    # Every message of this call: the organisation's, of kind incident.escalated.
    send = partial(notify, organisation=organisation, kind="incident.escalated")
    for channel in _channels_of(membership):
        if channel == Channel.TELEGRAM:
            account = TelegramAccount.objects.filter(membership=membership).first()
            bot = TelegramBot.objects.filter(organisation_id=incident.organisation_id).exists()
            if account is None or not bot:
                continue
            send(
                channel=Channel.TELEGRAM,
                key=_delivery_key(delivery, "telegram"),
                method="sendMessage",
                params={
                    "chat_id": account.telegram_user_id,
                    "text": f"{subject}\n\n{body}",
                    **(
                        {
                            "reply_markup": {
                                "inline_keyboard": [
                                    [{"text": ack, "callback_data": f"ack:{incident.id}"}]
                                ]
                            }
                        }
                        if incident.status == Status.DETECTED
                        else {}
                    ),
                },
            )
        elif channel == Channel.EMAIL:
            if not membership.user.email:
                continue
            send(
                channel=Channel.EMAIL,
                key=_delivery_key(delivery, "email"),
                to=[membership.user.email],
                subject=subject,
                message=body,
            )
        elif channel == Channel.WEBHOOK:
            if not organisation.webhook_url:
                continue
            send(
                channel=Channel.WEBHOOK,
                delivery_id=uuid.uuid5(uuid.NAMESPACE_URL, delivery),
                data={
                    "incident": incident_data(incident),
                    "level": level.position + 1,
                    "member": {"id": membership.id, "username": membership.user.get_username()},
                    **({"sla": {"kind": breach.kind}} if breach is not None else {}),
                },
            )
        else:
            continue
        used.append(channel)
    return used


# --- the climb ---


def _start_climbs(now: datetime) -> int:
    started = 0
    waiting = (
        Incident.objects.all_tenants()
        .filter(
            status=Status.DETECTED,
            escalation__isnull=True,
            organisation__deleted_at__isnull=True,
            # Within the window only: a policy created today pages nobody about last month's
            # forgotten incidents.
            detected_at__gte=now - START_WINDOW,
        )
        .select_related("organisation")
    )
    for incident in waiting:
        policy = policy_for(incident)
        if policy is None:
            continue
        first = policy.levels.order_by("position").first()
        if first is None:
            continue
        Escalation.objects.bulk_create(
            [
                Escalation(
                    organisation_id=incident.organisation_id,
                    incident=incident,
                    policy=policy,
                    next_at=incident.detected_at + timedelta(minutes=first.delay_minutes),
                )
            ],
            ignore_conflicts=True,
        )
        started += 1
    return started


def _stop(escalation: Escalation, incident: Incident, reason: str, now: datetime) -> None:
    escalation.stopped_at, escalation.stop_reason = now, reason
    escalation.save(update_fields=["stopped_at", "stop_reason"])
    event_record(
        incident=incident,
        kind=events.ESCALATION_STOPPED,
        actor=None,
        payload={"reason": reason, "level": escalation.next_level, "round": escalation.round},
    )


def _step(escalation: Escalation, now: datetime) -> str:
    incident = (
        Incident.objects.all_tenants()
        .select_related("organisation", "brand")
        .get(pk=escalation.incident_id)
    )
    if incident.status != Status.DETECTED:
        _stop(escalation, incident, "acknowledged", now)
        return "stopped"
    policy = escalation.policy
    levels = list(policy.levels.order_by("position"))
    if escalation.next_level >= len(levels):
        _stop(escalation, incident, "exhausted", now)
        return "exhausted"
    if incident.severity != "sev1":
        quiet_until = _in_quiet_hours(policy, now)
        if quiet_until is not None:
            escalation.next_at = quiet_until
            escalation.save(update_fields=["next_at"])
            event_record(
                incident=incident,
                kind=events.ESCALATION_DEFERRED,
                actor=None,
                payload={"until": quiet_until.isoformat(), "level": escalation.next_level + 1},
            )
            return "deferred"
    level = levels[escalation.next_level]
    people = level_recipients(level, incident, now)
    for membership in people:
        channels = _call(
            escalation=escalation, incident=incident, membership=membership, level=level
        )
        # Alike the escalation_climbed event below on purpose: two kinds, each its own payload.
        event_record(
            incident=incident,
            kind=events.ESCALATION_NOTIFIED,
            actor=None,
            payload={
                "level": level.position + 1,
                "round": escalation.round + 1,
                "member": membership.id,
                "member_name": membership.user.get_username(),
                "channels": channels,
            },
        )
    # Alike the escalation_notified events above on purpose: two kinds, each its own payload.
    event_record(
        incident=incident,
        kind=events.ESCALATION_CLIMBED,
        actor=None,
        payload={
            "level": level.position + 1,
            "target": level.target,
            "round": escalation.round + 1,
            "notified": [m.id for m in people],
        },
    )
    following = escalation.next_level + 1
    gap = levels[following].delay_minutes if following < len(levels) else 0
    if following >= len(levels):
        if escalation.round + 1 < policy.repeat:
            # Round again, the last level's delay (at least REPEAT_MINUTES) after it.
            escalation.round += 1
            following = 0
            gap = max(REPEAT_MINUTES, level.delay_minutes)
        else:
            escalation.next_level = following
            escalation.next_at = now
            escalation.save(update_fields=["next_level", "next_at"])
            _stop(escalation, incident, "exhausted", now)
            return "climbed"
    escalation.next_level = following
    # The next level is called its own delay after this one.
    escalation.next_at = now + timedelta(minutes=gap)
    escalation.save(update_fields=["next_level", "round", "next_at"])
    return "climbed"


def escalation_climb(*, now: datetime | None = None) -> dict[str, int]:
    """One beat of the climb (see the module's docstring). Returns counts by outcome."""
    now = now or timezone.now()
    counts = {"started": _start_climbs(now)}
    due = list(
        Escalation.objects.all_tenants()
        .filter(stopped_at__isnull=True, next_at__lte=now)
        .values_list("id", flat=True)
    )
    for escalation_id in due:
        with transaction.atomic():
            escalation = (
                Escalation.objects.all_tenants()
                .select_for_update(skip_locked=True)
                .select_related("policy")
                .filter(pk=escalation_id, stopped_at__isnull=True, next_at__lte=now)
                .first()
            )
            if escalation is None:
                continue  # another beat has it, or it moved on
            outcome = _step(escalation, now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def escalation_breach(*, incident: Incident, breach: SlaBreach, now: datetime) -> bool:
    """Hand an SLA breach to the climb: one path for the people, not a second one beside it.

    False when no escalation policy (with levels) is in force: the caller tells the owners and
    managers instead. Otherwise True, and the people of the level the climb has reached (the
    last level it called; its first level when it has called none, or never started) are
    called once for this breach by their own channels, each call an `escalation_notified`
    event (reason `sla_breached`). In the policy's quiet hours a breach of a SEV2-4 incident
    calls no one (the timeline has it; the climb goes on after them), as the climb would.
    """
    policy = policy_for(incident)
    if policy is None:
        return False
    levels = list(policy.levels.order_by("position"))
    if not levels:
        return False
    if incident.severity != "sev1" and _in_quiet_hours(policy, now) is not None:
        return True
    escalation = Escalation.objects.filter(incident=incident).first()
    reached = min(escalation.next_level, len(levels)) - 1 if escalation is not None else 0
    level = levels[max(0, reached)]
    for membership in level_recipients(level, incident, now):
        channels = _call(
            escalation=escalation,
            incident=incident,
            membership=membership,
            level=level,
            breach=breach,
        )
        event_record(
            incident=incident,
            kind=events.ESCALATION_NOTIFIED,
            actor=None,
            payload={
                "level": level.position + 1,
                "round": (escalation.round if escalation is not None else 0) + 1,
                "member": membership.id,
                "member_name": membership.user.get_username(),
                # Alike _step's event and templates' response events on purpose: its own reason.
                "channels": channels,
                "reason": "sla_breached",
            },
        )
    return True


def channels_set(*, by: Membership, channels: list[str]) -> NotificationPreference:
    """The member's own channels for escalation calls, in the order given, without repeats."""
    preference, _created = NotificationPreference.objects.update_or_create(
        organisation_id=by.organisation_id,
        membership=by,
        defaults={"channels": list(dict.fromkeys(channels))},
    )
    return preference


def policy_delete(*, policy: EscalationPolicy) -> None:
    """Remove a policy; the climbs it drives end with it (their rows cascade)."""
    policy.delete()
