"""The Telegram section of the organisation's settings page (owners): link the bot with its
token, issue link codes for chats (a team's or a brand's) and for oneself, and unlink the bot,
a chat or a person, each after a confirmation."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crisisdesk.core.exceptions import DomainError
from incidents.notifications.models import TelegramAccount, TelegramBot, TelegramChat
from incidents.notifications.telegram import linking
from tenants.models import Brand, Role, Team
from tenants.tenancy import OrgRequest, org_page, scoped_get

CODE_SESSION_KEY = "telegram_code_once"


class BotTokenForm(forms.Form):
    bot_token = forms.CharField(
        label=gettext_lazy("Bot token from @BotFather"),
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
    )


def telegram_section(request: HttpRequest) -> dict[str, Any]:
    membership = request.membership  # type: ignore[attr-defined]
    return {
        "template": "notifications/_telegram_section.html",
        "bot": TelegramBot.objects.visible_to(membership).first(),
        "chats": list(TelegramChat.objects.visible_to(membership).select_related("team", "brand")),
        "accounts": list(
            TelegramAccount.objects.visible_to(membership).select_related("membership__user")
        ),
        "teams": list(Team.objects.visible_to(membership)),
        "brands": list(Brand.objects.visible_to(membership)),
        "form": BotTokenForm(),
        "new_code": request.session.pop(CODE_SESSION_KEY, None),
    }


def _back(request: OrgRequest) -> HttpResponse:
    return redirect("web:org-settings", request.organisation.slug)


@org_page(read_role=Role.OWNER, write_role=Role.OWNER)
@require_POST
def telegram_bot(request: OrgRequest) -> HttpResponse:
    """Link the bot (a token), or issue a code (`code` = team:<id>, brand:<id> or me)."""
    what = request.POST.get("code", "")
    if what:
        try:
            if what == "me":
                code, expires_at = linking.telegram_member_code_issue(by=request.membership)
            else:
                kind, _sep, pk = what.partition(":")
                model = Team if kind == "team" else Brand if kind == "brand" else None
                if model is None:
                    raise Http404
                target = scoped_get(model.objects.visible_to(request.membership), pk)
                code, expires_at = linking.telegram_chat_code_issue(
                    by=request.membership, **{kind: target}
                )
        except DomainError as exc:
            messages.error(request, exc.translated)
        else:
            request.session[CODE_SESSION_KEY] = {
                "code": code,
                "expires_at": expires_at.isoformat(),
                "for_member": what == "me",
            }
        return _back(request)
    form = BotTokenForm(request.POST)
    if form.is_valid():
        try:
            bot = linking.telegram_bot_link(
                organisation=request.organisation,
                by=request.membership,
                bot_token=form.cleaned_data["bot_token"],
            )
        except DomainError as exc:
            messages.error(request, exc.translated)
        else:
            messages.success(request, _("Bot @%(name)s linked.") % {"name": bot.username})
    else:
        messages.error(request, _("Paste the token @BotFather gave you."))
    return _back(request)


def _confirmed(request: OrgRequest) -> bool:
    if request.POST.get("confirm") == "yes":
        return True
    messages.error(request, _("Tick the box to confirm the unlinking."))
    return False


@org_page(read_role=Role.OWNER, write_role=Role.OWNER)
@require_POST
def telegram_bot_unlink(request: OrgRequest) -> HttpResponse:
    if _confirmed(request):
        try:
            linking.telegram_bot_unlink(organisation=request.organisation, by=request.membership)
        except DomainError as exc:
            messages.error(request, exc.translated)
        else:
            messages.success(request, _("The Telegram bot is unlinked."))
    return _back(request)


@org_page(read_role=Role.OWNER, write_role=Role.OWNER)
@require_POST
def telegram_chat_unlink(request: OrgRequest) -> HttpResponse:
    chat = scoped_get(TelegramChat.objects.visible_to(request.membership), request.POST.get("chat"))
    if _confirmed(request):
        linking.telegram_chat_unlink(by=request.membership, chat=chat)
        messages.success(request, _("The chat is unlinked."))
    return _back(request)


@org_page(read_role=Role.OWNER, write_role=Role.OWNER)
@require_POST
def telegram_account_unlink(request: OrgRequest) -> HttpResponse:
    account = scoped_get(
        TelegramAccount.objects.visible_to(request.membership), request.POST.get("account")
    )
    if _confirmed(request):
        linking.telegram_account_unlink(by=request.membership, account=account)
        messages.success(request, _("The Telegram account is unlinked."))
    return _back(request)
