"""What people do with the bot: press the buttons of an incident's message, reply to it, ask for
/incidents. Everything acts as the member the Telegram user is linked to, with that member's own
rights, through the incident services: a viewer's press is refused (the answer says why), a
second Acknowledge finds the incident acknowledged and records nothing.

Button data: ``ack:<incident>``, ``cmd:<incident>`` here; the responses app registers
``rap:<response>`` (approve) and ``rch:<response>`` (request changes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict, DomainError, Forbidden, NotFound
from incidents import selectors
from incidents.models import OPEN_STATUSES, Incident

# Alike telegram/updates.py's import on purpose: both modules need these Telegram models.
from incidents.notifications.models import (
    Channel,
    TelegramAccount,
    TelegramBot,
    TelegramChat,
    TelegramIncidentMessage,
)
from incidents.notifications.services import notify
from incidents.notifications.telegram.messages import incident_url
from incidents.notifications.telegram.updates import reply
from incidents.policies import may_act_from_chat
from incidents.services import incident_acknowledge, incident_add_note, incident_assign
from tenants.mail import language_of
from tenants.models import Membership

INCIDENTS_RE = re.compile(r"^/incidents(?:@(?P<bot>\w+))?\s*$")
LIST_LIMIT = 20

# A button's action: (membership, argument) -> the answer shown to the person who pressed it.
Action = Callable[..., str]
_ACTIONS: dict[str, Action] = {}


def telegram_action_register(name: str, action: Action) -> None:
    """Register the handler of button data `<name>:<argument>`; called as
    action(membership=…, argument=…) and raising DomainError to refuse."""
    _ACTIONS[name] = action


def _account(bot: TelegramBot, sender: dict[str, Any] | None) -> TelegramAccount | None:
    if not sender or not sender.get("id"):
        return None
    account = (
        TelegramAccount.objects.select_related("membership__user", "membership__organisation")
        .filter(organisation_id=bot.organisation_id, telegram_user_id=sender["id"])
        .first()
    )
    if account is not None:
        account.membership.brand_limits_load()
    return account


def incident_for(membership: Membership, argument: str) -> Incident:
    """The incident this member may work on: within their scope (404 otherwise) and their role
    allowing it (`incidents.policies.may_act_from_chat`, 403 otherwise)."""
    if not argument.isdigit():
        raise NotFound(gettext_lazy("Incident not found."))
    incident = selectors.incident_list(membership=membership).filter(pk=int(argument)).first()
    if incident is None:
        raise NotFound(gettext_lazy("Incident not found."))
    if not may_act_from_chat(membership):
        raise Forbidden(gettext_lazy("Your role in this organisation does not allow this."))
    return incident


def _acknowledge(*, membership: Membership, argument: str) -> str:
    incident = incident_for(membership, argument)
    try:
        incident_acknowledge(incident=incident, by=membership)
    except Conflict:
        return _("Already acknowledged.")
    return _("Acknowledged.")


def _take_command(*, membership: Membership, argument: str) -> str:
    incident = incident_for(membership, argument)
    if incident.commander_id == membership.id:
        return _("You are already the commander.")
    if incident.status not in OPEN_STATUSES:
        raise Conflict(gettext_lazy("The incident is no longer open."))
    incident_assign(incident=incident, by=membership, commander=membership)
    return _("You are now the commander.")


telegram_action_register("ack", _acknowledge)
telegram_action_register("cmd", _take_command)


def _callback(bot: TelegramBot, query: dict[str, Any]) -> str:
    account = _account(bot, query.get("from"))
    message = query.get("message") or {}
    chat_id = (message.get("chat") or {}).get("id")
    chat = (
        TelegramChat.objects.filter(organisation_id=bot.organisation_id, chat_id=chat_id).first()
        if message and chat_id is not None  # (chat_id is never null)
        else None
    )

    def answer(text: str, *, alert: bool = False) -> None:
        notify(
            organisation=bot.organisation,
            channel=Channel.TELEGRAM,
            kind="telegram.answer",
            method="answerCallbackQuery",
            params={"callback_query_id": query["id"], "text": text[:200], "show_alert": alert},
        )

    language = (
        language_of(account.membership.user) if account else (chat.language if chat else "en")
    )
    with translation.override(language):
        if account is None:
            answer(
                _(
                    "Link your Telegram account first: Settings → Telegram → Link my Telegram account."
                ),
                alert=True,
            )
            return "callback_unlinked"
        name, _sep, argument = str(query.get("data") or "").partition(":")
        action = _ACTIONS.get(name)
        if action is None:
            answer(_("This button no longer works."))
            return "callback_unknown"
        try:
            text = action(membership=account.membership, argument=argument)
        except DomainError as exc:
            answer(exc.translated, alert=True)
            return "callback_refused"
        answer(text)
        return f"callback_{name}"


def _incident_list(bot: TelegramBot, chat: dict[str, Any], account: TelegramAccount | None) -> str:
    linked = TelegramChat.objects.filter(
        organisation_id=bot.organisation_id, chat_id=chat["id"]
    ).first()
    if linked is not None:
        qs: QuerySet[Incident] = Incident.objects.filter(
            organisation_id=bot.organisation_id, status__in=OPEN_STATUSES
        )
        qs = qs.filter(teams=linked.team) if linked.team_id else qs.filter(brand=linked.brand)
        language = linked.language
    elif account is not None and chat.get("type") == "private":
        qs = selectors.incident_list(membership=account.membership).filter(status__in=OPEN_STATUSES)
        language = language_of(account.membership.user)
    else:
        return "ignored"
    incidents = list(qs.select_related("organisation").order_by("severity", "-id")[:LIST_LIMIT])
    with translation.override(language):
        if not incidents:
            text = _("No open incidents.")
        else:
            lines = [_("Open incidents:")]
            for incident in incidents:
                lines.append(
                    f'{incident.severity.upper()} <a href="{escape(incident_url(incident))}">'
                    f"#{incident.id} {escape(incident.title)}</a> · {incident.get_status_display()}"
                )
            text = "\n".join(lines)
        reply(bot, chat["id"], text, parse_mode="HTML", link_preview_options={"is_disabled": True})
    return "incident_list"


def _note(bot: TelegramBot, message: dict[str, Any], account: TelegramAccount | None) -> str | None:
    replied = message.get("reply_to_message") or {}
    text = str(message.get("text") or "").strip()
    if not replied.get("message_id") or not text:
        return None
    row = (
        TelegramIncidentMessage.objects.select_related("incident")
        .filter(
            organisation_id=bot.organisation_id,
            chat__chat_id=message["chat"]["id"],
            message_id=replied["message_id"],
        )
        .first()
    )
    if row is None:
        return None
    if account is None:
        return "note_from_unlinked_user"
    with translation.override(language_of(account.membership.user)):
        try:
            incident = incident_for(account.membership, str(row.incident_id))
            incident_add_note(incident=incident, by=account.membership, text=text)
        except DomainError as exc:
            reply(
                bot,
                message["chat"]["id"],
                exc.translated,
                reply_to_message_id=message["message_id"],
            )
            return "note_refused"
    return "note_added"


def telegram_update_route(bot: TelegramBot, update: dict[str, Any]) -> str | None:
    """The handler of updates registered with updates.py: buttons, /incidents, replies."""
    if isinstance(update.get("callback_query"), dict):
        return _callback(bot, update["callback_query"])
    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
        return None
    account = _account(bot, message.get("from"))
    match = INCIDENTS_RE.match(str(message.get("text") or "").strip())
    if match and (match["bot"] is None or match["bot"].lower() == bot.username.lower()):
        return _incident_list(bot, message["chat"], account)
    return _note(bot, message, account)
