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
from datetime import datetime, timedelta
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
# A first message "being sent" for longer than this belongs to a sync whose worker died.
SEND_LEASE = timedelta(seconds=45)
# Failures of the network layer after the request may have reached Telegram (outbound's reasons;
# "connect" and refusals prove it did not).
NO_ANSWER = frozenset({"timeout", "protocol", "network", "too_large"})
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
        commander = incident.commander  # None (no query) without a commander
        if commander is not None:
            lines.append(_("Commander: %(name)s") % {"name": escape(commander.user.get_username())})
        negative = incident.mentions.filter(sentiment_label="negative")
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


class SyncBusy(Exception):
    """Another sync is posting this incident's first message in a chat right now: try later."""


def telegram_incident_sync(*, incident_id: int, now: datetime | None = None) -> int:
    """Send or edit the incident's message in each of its chats; returns the calls made.

    An edit is made with its (incident, chat) row locked, so concurrent syncs never edit over
    each other, and repeating one changes nothing. A first message is recorded before it is
    sent (`send_started_at` and its text's hash committed, then sendMessage outside the lock):
    - a concurrent sync finds the send in flight and raises SyncBusy (its task retries);
    - a sync that finds a send older than SEND_LEASE without a message id knows its worker died
      during the call: Telegram may have posted it, and cannot deduplicate, so that text is
      never sent again (at most once); a later change, having no message to edit, posts anew.
    Raises TelegramApiError when Telegram is down or floods (the task retries; a send it
    answered with an error is released first), and skips a chat that refuses (the bot was
    removed from it)."""
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
    clock = now or timezone.now()
    calls = 0
    for chat in chats:
        text, markup = incident_message(incident, language=chat.language, now=now)
        digest = hashlib.sha256((text + json.dumps(markup, sort_keys=True)).encode()).hexdigest()
        params = {
            "chat_id": chat.chat_id,
            "text": text,
            "parse_mode": "HTML",
            "reply_markup": markup,
            "link_preview_options": {"is_disabled": True},
        }
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
            if row.message_id is None and row.send_started_at is not None:
                if row.send_started_at > clock - SEND_LEASE:
                    raise SyncBusy(f"incident {incident.id}: a first message is being sent")
                if row.text_hash == digest:
                    continue  # interrupted mid-call: this text may be in the chat already
            if row.message_id is not None:
                if row.text_hash == digest:
                    continue
                edited = _edit(token, row, params, incident_id=incident.id, chat_id=chat.id)
                if edited is None:
                    continue  # refused by the chat
                calls += edited
                if row.message_id is not None:
                    row.text_hash = digest
                    row.save(update_fields=["text_hash", "updated_at"])
                    continue
            # A first message (or a new one for a message deleted in the chat): recorded first.
            row.send_started_at, row.text_hash = clock, digest
            row.save(update_fields=["message_id", "send_started_at", "text_hash", "updated_at"])
        try:
            sent = bot_call(token, "sendMessage", params)
        except TelegramApiError as exc:
            if exc.code == 0 and exc.description in NO_ANSWER:
                # Sent, and no answer came back: Telegram may have posted it. Kept as an
                # interrupted send (stale at once), never repeated.
                TelegramIncidentMessage.objects.filter(pk=row.pk).update(
                    send_started_at=clock - SEND_LEASE - timedelta(seconds=1)
                )
                logger.warning(
                    "telegram message of incident %s to chat %s: no answer (%s), not repeated",
                    incident.id,
                    chat.id,
                    exc,
                )
                continue
            # Telegram answered with an error, or was never reached: nothing was posted.
            TelegramIncidentMessage.objects.filter(pk=row.pk).update(
                send_started_at=None, text_hash=""
            )
            if exc.retryable:
                raise
            logger.warning(
                "telegram message of incident %s to chat %s refused: %s", incident.id, chat.id, exc
            )
            continue
        TelegramIncidentMessage.objects.filter(pk=row.pk).update(
            message_id=int(sent["message_id"]), send_started_at=None
        )
        calls += 1
    return calls


def _edit(
    token: str,
    row: TelegramIncidentMessage,
    params: dict[str, Any],
    *,
    incident_id: int,
    chat_id: int,
) -> int | None:
    """Edit the row's message in place; 1 when edited, 0 when it already said this, None when
    the chat refused. A message deleted in the chat clears `row.message_id` (post it again)."""
    try:
        bot_call(token, "editMessageText", {**params, "message_id": row.message_id})
    except TelegramApiError as exc:
        if "message to edit not found" in exc.description:
            row.message_id = None
            return 0
        if "message is not modified" in exc.description:
            return 0
        if exc.retryable:
            raise
        logger.warning(
            "telegram message of incident %s to chat %s refused: %s", incident_id, chat_id, exc
        )
        return None
    return 1


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
