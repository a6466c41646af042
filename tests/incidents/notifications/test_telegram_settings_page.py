"""The Telegram section of the settings page: link the bot, get codes, unlink after a confirmation."""

import pytest
from django.test import Client

from incidents.notifications.models import TelegramBot, TelegramChat

from .conftest import GROUP, TOKEN

pytestmark = pytest.mark.django_db


def owner_client(agency, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(
        agency.member("owner").user, backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def test_an_owner_links_the_bot_from_the_settings_page_and_gets_a_chat_code(tg, agency):
    client = owner_client(agency)
    page = client.get(f"/o/{agency.org.slug}/settings/")
    assert b"data-telegram" in page.content and b"BotFather" in page.content

    client.post(f"/o/{agency.org.slug}/settings/telegram/", {"bot_token": TOKEN})
    assert TelegramBot.objects.get().username == "crisisdesk_bot"

    client.post(f"/o/{agency.org.slug}/settings/telegram/", {"code": f"team:{agency.team.pk}"})
    page = client.get(f"/o/{agency.org.slug}/settings/").content.decode()
    assert "data-telegram-code" in page and "/start " in page
    assert TOKEN not in page
    assert (
        "data-telegram-code" not in client.get(f"/o/{agency.org.slug}/settings/").content.decode()
    )


def test_unlinking_a_chat_needs_the_confirmation(bot, agency):
    chat = TelegramChat.objects.create(
        organisation=agency.org, chat_id=GROUP["id"], chat_type="supergroup", team=agency.team
    )
    client = owner_client(agency)
    path = f"/o/{agency.org.slug}/settings/telegram/chats/unlink/"

    client.post(path, {"chat": chat.pk})
    assert TelegramChat.objects.exists()

    client.post(path, {"chat": chat.pk, "confirm": "yes"})
    assert not TelegramChat.objects.exists()


def test_the_section_speaks_russian(bot, agency):
    page = owner_client(agency, "ru").get(f"/o/{agency.org.slug}/settings/").content.decode()
    assert "Отвязать бота" in page
