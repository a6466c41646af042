"""SLA breaches: each breach of an open live incident escalated exactly once, through the
escalation climb when a policy is in force, else to the organisation's managers and owners.

Above both services (notify, notification_send) and the climb (escalation), which it joins.
"""

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crisisdesk.core.time import iso_z
from incidents import events
from incidents.models import OPEN_STATUSES, Incident, SlaBreach
from incidents.notifications.escalation import escalation_breach
from incidents.notifications.models import Channel
from incidents.notifications.services import (
    CLOCK_NAMES,
    EmailRender,
    incident_data,
    notification_send,
    notify,
)
from incidents.services.lifecycle import event_record
from incidents.sla import sla_clocks


def _sla_breach_email(incident: Incident, kind: str, minutes: int, due_at: datetime) -> EmailRender:
    def render() -> tuple[str, str]:
        values = {
            "id": incident.id,
            "severity": incident.severity.upper(),
            "clock": CLOCK_NAMES[kind],
            "title": incident.title,
            "brand": incident.brand.name,
            "minutes": minutes,
            "status": incident.get_status_display(),
        }
        with timezone.override(incident.brand.time_zone):
            when = date_format(timezone.localtime(due_at), "DATETIME_FORMAT")
        values["due"] = f"{when} {incident.brand.time_zone}"
        subject = _("[CrisisDesk] SLA breached on #%(id)s (%(severity)s): %(clock)s") % values
        message = (
            ngettext(
                "Incident #%(id)s “%(title)s” (%(brand)s) missed its %(clock)s target of "
                "%(minutes)s minute (due %(due)s). Status: %(status)s.",
                "Incident #%(id)s “%(title)s” (%(brand)s) missed its %(clock)s target of "
                "%(minutes)s minutes (due %(due)s). Status: %(status)s.",
                minutes,
            )
            % values
        )
        return subject, message

    return render


def sla_breaches_check(*, now: datetime | None = None) -> list[SlaBreach]:
    """Escalate each SLA breach of an open live incident exactly once.

    For every (incident, kind) breached and not yet escalated: one `sla_breached` event, the
    organisation's `incident.sla_breached` webhook, and the people: with an escalation policy
    in force, through the climb only (`escalation_breach`: the level it has reached, by their
    own channels); without one, an email to the managers and owners. The claim is a row under a unique
    (incident, kind) constraint, inserted with ON CONFLICT DO NOTHING and read back by this
    run's claim id: of two concurrent runs only the one whose insert landed escalates (the
    other's insert waits for it and then skips). Drills never escalate.

    Not `claim_once`: the SlaBreach row is the breach itself (its due time, read by the admin
    and the reports), and its unique (incident, kind) already is the claim, taken for every
    candidate of the run in one INSERT; a receipt beside it would record the same fact twice.
    """
    now = now or timezone.now()
    incidents = list(
        Incident.objects.filter(
            status__in=OPEN_STATUSES, is_drill=False, organisation__deleted_at__isnull=True
        ).select_related("organisation", "brand")
    )
    if not incidents:
        return []
    escalated = set(
        SlaBreach.objects.filter(incident_id__in=[i.id for i in incidents]).values_list(
            "incident_id", "kind"
        )
    )
    claim = uuid.uuid4()
    candidates: list[SlaBreach] = []
    by_id = {}
    for incident in incidents:
        for kind, clock in sla_clocks(incident, now).items():
            if clock.breached and (incident.id, kind) not in escalated:
                by_id[incident.id] = incident
                candidates.append(
                    SlaBreach(
                        organisation_id=incident.organisation_id,
                        incident=incident,
                        kind=kind,
                        due_at=clock.due_at,
                        claim=claim,
                    )
                )
    if not candidates:
        return []
    with transaction.atomic():
        SlaBreach.objects.bulk_create(candidates, ignore_conflicts=True)
        mine = list(
            SlaBreach.objects.filter(claim=claim, incident_id__in=list(by_id)).order_by("id")
        )
        for breach in mine:
            incident = by_id[breach.incident_id]
            minutes = incident.organisation.sla_minutes(incident.severity, breach.kind)
            due_at = iso_z(breach.due_at)
            event_record(
                incident=incident,
                kind=events.SLA_BREACHED,
                actor=None,
                payload={
                    "kind": breach.kind,
                    "severity": incident.severity,
                    "target_minutes": minutes,
                    "due_at": due_at,
                },
            )
            data = {
                "incident": incident_data(incident),
                "sla": {"kind": breach.kind, "target_minutes": minutes, "due_at": due_at},
            }
            if escalation_breach(incident=incident, breach=breach, now=now):
                # The people are the climb's; the organisation's integration still hears it.
                notify(
                    organisation=incident.organisation,
                    channel=Channel.WEBHOOK,
                    kind="incident.sla_breached",
                    data=data,
                )
                continue
            notification_send(
                organisation=incident.organisation,
                event_type="incident.sla_breached",
                brand_id=incident.brand_id,
                email=_sla_breach_email(incident, breach.kind, minutes, breach.due_at),
                language=incident.brand.language,
                data=data,
            )
    return mine
