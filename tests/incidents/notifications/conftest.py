"""Fixtures of the Telegram tests: the fake Bot API on 127.0.0.1 (tests/fakes/telegram.py), its URL
in TELEGRAM_API_URL and its host in OUTBOUND_ALLOW_HOSTS; a linked bot; updates fed to it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from incidents.notifications.models import TelegramBot
from incidents.notifications.telegram.linking import telegram_bot_link
from incidents.notifications.telegram.updates import telegram_bot_poll
from tests.fakes.telegram import TelegramServer

TOKEN = "123456789:AAE-SECRET-bot-token-abcdefghijklmnop"
NOW = int(time.time())
GROUP = {"id": -1009876543210, "type": "supergroup", "title": "Care team"}
OTHER_GROUP = {"id": -1005555555555, "type": "supergroup", "title": "Somebody else's"}


def person(user_id: int, username: str) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": username.title(), "username": username}


def private(user: dict) -> dict:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


@pytest.fixture
def tg(settings: pytest.FixtureRequest) -> Iterator[TelegramServer]:
    server = TelegramServer(TOKEN)
    with server.running():
        settings.TELEGRAM_API_URL = server.url
        settings.OUTBOUND_ALLOW_HOSTS = [server.hostport]
        settings.TELEGRAM_WEBHOOK_BASE_URL = ""
        yield server


@pytest.fixture
def bot(tg: TelegramServer, agency) -> TelegramBot:
    """Our agency's bot, linked by its owner, in polling mode (embedded)."""
    return telegram_bot_link(organisation=agency.org, by=agency.member("owner"), bot_token=TOKEN)


@pytest.fixture
def poll(bot: TelegramBot, django_capture_on_commit_callbacks: Callable) -> Callable[[], int]:
    """Run one poll of the bot (timeout 0) and the calls it schedules after commit."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return telegram_bot_poll(bot_id=bot.id)

    return run
