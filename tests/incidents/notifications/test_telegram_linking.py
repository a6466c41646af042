"""The organisation's Telegram bot: linked with a token checked by getMe, stored encrypted, chats
and people linked by one-time codes, updates by long polling or by webhook with a secret token.

Against the fake Bot API on 127.0.0.1 (real HTTP, Telegram's wire format)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.notifications.models import (
    TelegramAccount,
    TelegramBot,
    TelegramChat,
    TelegramLinkCode,
)
from incidents.notifications.telegram.client import token_decrypt
from incidents.notifications.telegram.linking import telegram_member_code_issue
from incidents.notifications.telegram.updates import telegram_bot_poll, telegram_update_handle
from tests.fakes.telegram import TelegramServer

from .conftest import GROUP, NOW, OTHER_GROUP, TOKEN, person, private

pytestmark = pytest.mark.django_db

IVAN = person(4242, "ivanp")


def url(org, suffix: str = "") -> str:
    return f"/api/v1/orgs/{org.slug}/telegram/{suffix}"


# --- the bot ---


def test_an_owner_links_the_bot_after_get_me_and_the_token_is_never_shown(
    tg: TelegramServer, agency, as_role
):
    response = as_role("owner").put(url(agency.org), {"bot_token": TOKEN}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["linked"] is True
    assert response.json()["username"] == "crisisdesk_bot"
    assert response.json()["mode"] == "polling"
    assert TOKEN not in response.content.decode()
    assert len(tg.calls("/getMe")) == 1
    assert len(tg.calls("/deleteWebhook")) == 1  # polling mode: getUpdates must work
    bot = TelegramBot.objects.get(organisation=agency.org)
    assert TOKEN not in bot.token_encrypted
    assert token_decrypt(bot.token_encrypted) == TOKEN
    assert TOKEN not in as_role("owner").get(url(agency.org)).content.decode()


def test_a_token_telegram_refuses_is_not_stored(tg: TelegramServer, agency, as_role):
    wrong = "123456789:AAE-another-token-that-telegram-refuses"

    response = as_role("owner").put(url(agency.org), {"bot_token": wrong}, format="json")

    assert response.status_code == 400
    assert "bot_token" in response.json()["errors"] or "bot_token" in str(response.json())
    assert not TelegramBot.objects.exists()


def test_only_an_owner_links_the_bot_and_an_outsider_gets_404(
    tg: TelegramServer, agency, outsider, as_role, api
):
    assert (
        as_role("manager").put(url(agency.org), {"bot_token": TOKEN}, format="json").status_code
        == 403
    )
    outsider_owner = api(outsider.member("owner").user)
    assert (
        outsider_owner.put(url(agency.org), {"bot_token": TOKEN}, format="json").status_code == 404
    )
    assert not TelegramBot.objects.exists()
    assert tg.calls("/getMe") == []


def test_delete_unlinks_the_bot_and_everything_linked_through_it(bot, agency, as_role):
    TelegramChat.objects.create(
        organisation=agency.org, chat_id=GROUP["id"], chat_type="supergroup", team=agency.team
    )

    assert as_role("owner").delete(url(agency.org)).status_code == 204

    assert not TelegramBot.objects.exists()
    assert not TelegramChat.objects.exists()


# --- linking chats and people by code ---


def test_a_group_sending_start_with_a_team_code_is_linked_to_the_team(
    tg: TelegramServer, bot, agency, as_role, poll
):
    response = as_role("manager").post(
        url(agency.org, "chat-codes/"), {"team": agency.team.id}, format="json"
    )
    assert response.status_code == 201
    code = response.json()["code"]
    assert response.json()["expires_at"]
    assert response.json()["start_link"] == f"https://t.me/crisisdesk_bot?startgroup={code}"
    assert TelegramLinkCode.objects.get().code_hash != code  # only its hash is stored

    tg.message(GROUP, f"/start@crisisdesk_bot {code}", NOW, sender=IVAN)
    assert poll() == 1

    chat = TelegramChat.objects.get()
    assert (chat.chat_id, chat.team_id, chat.brand_id) == (GROUP["id"], agency.team.id, None)
    [confirmation] = tg.messages_in(GROUP["id"])
    assert agency.team.name in confirmation["text"]


def test_a_code_links_once_and_expires(tg: TelegramServer, bot, agency, as_role, poll):
    code = (
        as_role("manager")
        .post(url(agency.org, "chat-codes/"), {"brand": agency.brand.id}, format="json")
        .json()["code"]
    )
    tg.message(GROUP, f"/start {code}", NOW, sender=IVAN)
    tg.message(OTHER_GROUP, f"/start {code}", NOW, sender=IVAN)  # a second use
    poll()
    assert list(TelegramChat.objects.values_list("chat_id", "brand_id")) == [
        (GROUP["id"], agency.brand.id)
    ]

    late = (
        as_role("manager")
        .post(url(agency.org, "chat-codes/"), {"team": agency.team.id}, format="json")
        .json()["code"]
    )
    TelegramLinkCode.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    tg.message(OTHER_GROUP, f"/start {late}", NOW, sender=IVAN)
    poll()
    assert TelegramChat.objects.count() == 1


def test_start_addressed_to_another_bot_is_ignored(tg: TelegramServer, bot, agency, as_role, poll):
    code = (
        as_role("manager")
        .post(url(agency.org, "chat-codes/"), {"team": agency.team.id}, format="json")
        .json()["code"]
    )

    tg.message(GROUP, f"/start@some_other_bot {code}", NOW, sender=IVAN)
    poll()

    assert not TelegramChat.objects.exists()
    assert tg.messages_in(GROUP["id"]) == []


def test_chat_codes_need_a_manager_and_a_brand_of_the_member(
    tg: TelegramServer, bot, agency, outsider, as_role
):
    assert (
        as_role("responder")
        .post(url(agency.org, "chat-codes/"), {"team": agency.team.id}, format="json")
        .status_code
        == 403
    )
    response = as_role("manager").post(
        url(agency.org, "chat-codes/"), {"brand": outsider.brand.id}, format="json"
    )
    assert response.status_code == 400
    assert not TelegramLinkCode.objects.exists()


def test_a_member_links_their_telegram_user_from_a_private_chat(
    tg: TelegramServer, bot, agency, as_role, poll
):
    response = as_role("viewer").post(url(agency.org, "member-code/"))
    assert response.status_code == 201
    code = response.json()["code"]

    tg.message(private(IVAN), f"/start {code}", NOW, sender=IVAN)
    poll()

    account = TelegramAccount.objects.get()
    assert (account.membership, account.telegram_user_id) == (agency.member("viewer"), IVAN["id"])
    [confirmation] = tg.messages_in(IVAN["id"])
    assert "alpha-viewer" in confirmation["text"]

    assert as_role("viewer").delete(url(agency.org, "member-code/")).status_code == 204
    assert not TelegramAccount.objects.exists()


def test_a_member_code_sent_in_a_group_links_nobody(tg: TelegramServer, bot, agency, poll):
    code, _ = telegram_member_code_issue(by=agency.member("responder"))

    tg.message(GROUP, f"/start {code}", NOW, sender=IVAN)
    poll()

    assert not TelegramAccount.objects.exists()


def test_messages_of_an_unknown_chat_are_ignored(tg: TelegramServer, bot, poll):
    tg.message(OTHER_GROUP, "/incidents", NOW, sender=IVAN)
    tg.message(OTHER_GROUP, "hello bot", NOW, sender=IVAN)
    tg.message(private(IVAN), "/start", NOW, sender=IVAN)

    assert poll() == 3

    assert tg.calls("/sendMessage") == []
    bot.refresh_from_db()
    assert bot.update_offset == tg.updates[-1]["update_id"] + 1


def test_chats_are_unlinked_from_the_web_app_api_and_outsiders_get_404(
    bot, agency, outsider, as_role, api
):
    chat = TelegramChat.objects.create(
        organisation=agency.org, chat_id=GROUP["id"], chat_type="supergroup", team=agency.team
    )
    path = url(agency.org, f"chats/{chat.id}/")
    assert api(outsider.member("owner").user).delete(path).status_code == 404
    assert as_role("responder").delete(path).status_code == 403
    assert TelegramChat.objects.exists()

    assert as_role("manager").delete(path).status_code == 204
    assert not TelegramChat.objects.exists()


# --- receiving updates ---


def test_one_poller_per_bot(tg: TelegramServer, bot):
    TelegramBot.objects.filter(pk=bot.pk).update(
        poll_lease_until=timezone.now() + timedelta(minutes=1)
    )
    tg.message(GROUP, "hello", NOW, sender=IVAN)

    assert telegram_bot_poll(bot_id=bot.id) == 0

    assert tg.calls("/getUpdates") == []


def test_an_update_handled_twice_is_handled_once(tg: TelegramServer, bot, agency):
    code, _ = telegram_member_code_issue(by=agency.member("responder"))
    update = tg.message(private(IVAN), f"/start {code}", NOW, sender=IVAN)
    [raw] = [u for u in tg.updates if u["message"] is update]

    assert telegram_update_handle(bot_id=bot.id, update=raw) == "member_linked"
    assert telegram_update_handle(bot_id=bot.id, update=raw) == "duplicate"


def test_webhook_mode_sets_a_secret_token_and_checks_it(
    tg: TelegramServer, agency, as_role, api, settings
):
    settings.TELEGRAM_WEBHOOK_BASE_URL = "https://desk.example.com"
    assert (
        as_role("owner").put(url(agency.org), {"bot_token": TOKEN}, format="json").status_code
        == 200
    )
    bot = TelegramBot.objects.get()
    assert bot.mode == "webhook"
    assert tg.webhook_url == f"https://desk.example.com/api/v1/telegram/{bot.webhook_id}/"
    assert tg.webhook_secret and tg.webhook_secret not in bot.webhook_secret_hash
    assert "callback_query" in tg.allowed_updates

    code, _ = telegram_member_code_issue(by=agency.member("responder"))
    update = {
        "update_id": 900_001,
        "message": {
            "message_id": 1,
            "date": NOW,
            "chat": private(IVAN),
            "from": IVAN,
            "text": f"/start {code}",
        },
    }
    hook = f"/api/v1/telegram/{bot.webhook_id}/"
    client = api(None)

    wrong = client.post(hook, update, format="json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="nope")
    missing = client.post(hook, update, format="json")
    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert not TelegramAccount.objects.exists()

    right = client.post(
        hook, update, format="json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=tg.webhook_secret
    )
    again = client.post(
        hook, update, format="json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=tg.webhook_secret
    )
    assert right.status_code == 200 and right.json()["outcome"] == "member_linked"
    assert again.json()["outcome"] == "duplicate"
    assert TelegramAccount.objects.get().membership == agency.member("responder")
