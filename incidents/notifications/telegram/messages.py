"""Incident messages in the linked chats: one message per incident and chat, sent when the incident
opens and edited in place (editMessageText) as it changes: severity, status, commander, SLA at
risk and breached, responses waiting for approval, resolution. Rendered in the chat's language.

Chats of the incident's teams and of its brand receive it; a drill goes to its teams' chats only
(the brand's chat may include the client). Every event but a note schedules a sync after commit;
the SLA watch (beat) syncs open incidents whose SLA turned at risk, and an edit that would change
nothing is skipped by the rendered text's hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from incidents.models import OPEN_STATUSES, Incident, IncidentEvent, Status
from incidents.notifications.models import TelegramBot, TelegramChat, TelegramIncidentMessage
from incidents.notifications.outbox import task_enqueue_after_commit
from incidents.notifications.telegram.client import TelegramApiError, bot_call, token_decrypt
from incidents.sla import sla_clocks

logger = logging.getLogger(__name__)

SYNC_TASK = "incidents.tasks.telegram_incident_sync"
SEVERITY_MARK = {"sev1": "🔴", "sev2": "🟠", "sev3": "🟡", "sev4": "🔵"}
# An SLA target is at risk once this share of its time has passed.
AT_RISK_SHARE = 0.75
EVIDENCE_POSTS = 3
# Events that change nothing the message shows.
QUIET_KINDS = frozenset(
    {
        "note",
        "escalation_notified",
        "escalation_climbed",
        "escalation_stopped",
        "escalation_deferred",
    }
)

# Responses waiting for approval, as {"id", "channel", "body"}: supplied by the responses app
# (templates registers it from its AppConfig.ready; incidents never imports templates).
PendingResponses = Callable[[Incident], list[dict[str, Any]]]
_PENDING: list[PendingResponses] = []


def pending_responses_register(provider: PendingResponses) -> None:
    if provider not in _PENDING:
        _PENDING.append(provider)


def telegram_event_hook(*, event: IncidentEvent, incident: Incident) -> None:
    """Every event but a note: sync the incident's messages once the transaction commits."""
    if event.kind not in QUIET_KINDS:
        task_enqueue_after_commit(SYNC_TASK, incident.organisation_id, incident.id)


def incident_url(incident: Incident) -> str:
    path = reverse("web:incident", args=[incident.organisation.slug, incident.id])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _kind_name(kind: str) -> str:
    return {
        "acknowledge": _("time to acknowledge"),
        "first_response": _("time to first public response"),
        "resolve": _("time to resolve"),
    }[kind]


def incident_message(
    incident: Incident, *, language: str, now: datetime | None = None
) -> tuple[str, dict[str, Any]]:
    """The message's HTML text and inline keyboard, in `language`."""
    now = now or timezone.now()
    with translation.override(language):
        head = (
            f"{SEVERITY_MARK.get(incident.severity, '')} <b>{incident.severity.upper()} · "
            f"#{incident.id} {escape(incident.title)}</b>"
        )
        if incident.is_drill:
            head += " · " + _("DRILL")
        lines = [head]
        status = Status(incident.status).label
        lines.append(
            _("Brand: %(brand)s · Status: %(status)s")
            % {"brand": escape(incident.brand.name), "status": status}
        )
        if incident.commander_id:
            lines.append(
                _("Commander: %(name)s") % {"name": escape(incident.commander.user.get_username())}  # type: ignore[union-attr]
            )
        negative = incident.mentions.filter(sentiment_label="negative")  # type: ignore[attr-defined]
        totals = negative.aggregate(n=Count("id"), reach=Sum("reach"))
        if totals["n"]:
            lines.append(
                translation.ngettext(
                    "Evidence: %(count)d negative post, reach %(reach)s",
                    "Evidence: %(count)d negative posts, reach %(reach)s",
                    totals["n"],
                )
                % {"count": totals["n"], "reach": f"{totals['reach'] or 0:,}".replace(",", " ")}
            )
            for mention in negative.order_by("-reach", "-id")[:EVIDENCE_POSTS]:
                text = escape(" ".join(mention.text.split())[:160])
                author = escape(mention.author or mention.platform)
                lines.append(f"• {author} ({mention.reach:,}): {text}".replace(",", " ", 1))
        if incident.status in OPEN_STATUSES:
            for kind, clock in sla_clocks(incident, now).items():
                if clock.met_at is not None:
                    continue
                due = clock.due_at.strftime("%H:%M UTC")
                if clock.breached:
                    lines.append(
                        "⏰ "
                        + _("SLA breached: %(kind)s (due %(due)s)")
                        % {"kind": _kind_name(kind), "due": due}
                    )
                elif _at_risk(clock.due_at, clock.target_minutes, now):
                    lines.append(
                        "⚠️ "
                        + _("SLA at risk: %(kind)s (due %(due)s)")
                        % {"kind": _kind_name(kind), "due": due}
                    )
        pending = [r for provider in _PENDING for r in provider(incident)]
        for response in pending:
            lines.append(
                "📝 "
                + _("Response waiting for approval (%(channel)s):")
                % {"channel": response["channel"]}
            )
            lines.append(f"<i>{escape(response['body'][:600])}</i>")
        if incident.status in (Status.RESOLVED, Status.CLOSED):
            lines.append("✅ " + _("Resolved"))
        rows: list[list[dict[str, str]]] = []
        actions = []
        if incident.status == Status.DETECTED:
            actions.append({"text": _("Acknowledge"), "callback_data": f"ack:{incident.id}"})
        if incident.status in OPEN_STATUSES:
            actions.append({"text": _("Take command"), "callback_data": f"cmd:{incident.id}"})
        actions.append({"text": _("Open in CrisisDesk"), "url": incident_url(incident)})
        rows.append(actions)
        for response in pending:
            rows.append(
                [
                    {"text": _("Approve"), "callback_data": f"rap:{response['id']}"},
                    {"text": _("Request changes"), "callback_data": f"rch:{response['id']}"},
                ]
            )
    return "\n".join(lines), {"inline_keyboard": rows}


def _at_risk(due_at: datetime, target_minutes: int, now: datetime) -> bool:
    remaining = (due_at - now).total_seconds()
    return 0 <= remaining <= target_minutes * 60 * (1 - AT_RISK_SHARE)


def incident_chats(incident: Incident) -> list[TelegramChat]:
    team_ids = list(incident.teams.values_list("id", flat=True))
    scope = Q(team_id__in=team_ids)
    if not incident.is_drill:
        scope |= Q(brand_id=incident.brand_id)
    return list(TelegramChat.objects.filter(organisation_id=incident.organisation_id).filter(scope))


def telegram_incident_sync(*, incident_id: int, now: datetime | None = None) -> int:
    """Send or edit the incident's message in each of its chats; returns the calls made.

    Each (incident, chat) row is locked while its message is sent, so concurrent syncs post one
    message; raises TelegramApiError when Telegram is down or floods (the task retries), and
    skips a chat that refuses (the bot was removed from it)."""
    incident = (
        Incident.objects.all_tenants()
        .select_related("organisation", "brand", "commander__user")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        return 0
    bot = TelegramBot.objects.all_tenants().filter(organisation_id=incident.organisation_id).first()
    if bot is None:
        return 0
    chats = incident_chats(incident)
    if not chats:
        return 0
    token = token_decrypt(bot.token_encrypted)
    calls = 0
    for chat in chats:
        text, markup = incident_message(incident, language=chat.language, now=now)
        digest = hashlib.sha256((text + json.dumps(markup, sort_keys=True)).encode()).hexdigest()
        with transaction.atomic():
            TelegramIncidentMessage.objects.bulk_create(
                [
                    TelegramIncidentMessage(
                        organisation_id=incident.organisation_id, incident=incident, chat=chat
                    )
                ],
                ignore_conflicts=True,
            )
            row = TelegramIncidentMessage.objects.select_for_update().get(
                incident=incident, chat=chat
            )
            if row.message_id is not None and row.text_hash == digest:
                continue
            params = {
                "chat_id": chat.chat_id,
                "text": text,
                "parse_mode": "HTML",
                "reply_markup": markup,
                "link_preview_options": {"is_disabled": True},
            }
            try:
                if row.message_id is not None:
                    try:
                        bot_call(token, "editMessageText", {**params, "message_id": row.message_id})
                    except TelegramApiError as exc:
                        if "message to edit not found" not in exc.description:
                            raise
                        row.message_id = None  # deleted in the chat: post it again
                if row.message_id is None:
                    sent = bot_call(token, "sendMessage", params)
                    row.message_id = int(sent["message_id"])
                calls += 1
            except TelegramApiError as exc:
                if "message is not modified" in exc.description:
                    pass
                elif exc.retryable:
                    raise
                else:
                    logger.warning(
                        "telegram message of incident %s to chat %s refused: %s",
                        incident.id,
                        chat.id,
                        exc,
                    )
                    continue
            row.text_hash = digest
            row.save(update_fields=["message_id", "text_hash", "updated_at"])
    return calls


def telegram_sla_watch(*, now: datetime | None = None) -> int:
    """Beat: schedule a sync of each open incident with a message whose SLA is at risk or
    breached now; the sync edits only what changed. Returns the incidents scheduled."""
    now = now or timezone.now()
    scheduled = 0
    rows = (
        Incident.objects.all_tenants()
        .filter(status__in=OPEN_STATUSES, telegram_messages__isnull=False)
        .select_related("organisation")
        .distinct()
    )
    for incident in rows:
        clocks = sla_clocks(incident, now).values()
        if any(
            c.met_at is None and (c.breached or _at_risk(c.due_at, c.target_minutes, now))
            for c in clocks
        ):
            task_enqueue_after_commit(SYNC_TASK, incident.organisation_id, incident.id)
            scheduled += 1
    return scheduled
