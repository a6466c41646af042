"""Telegram sends are recorded before they are sent, so a worker restart never repeats one
(issue 18: one delivery path, never repeated after a worker restart).

The Bot API cannot deduplicate: a sendMessage repeated is a second message in the chat. So a
send whose worker died during the call is, once its lease has passed, never made again — for
the incident's message (a `TelegramIncidentMessage` with `send_started_at` and no message id)
and for an escalation's page (a telegram `Delivery` left `sending`).

The first test kills a real process: another Python process runs the incident sync against the
fake Bot API (tests/fakes/telegram.py, real HTTP on 127.0.0.1), which posts the message and then
holds its answer; the process is SIGKILLed; the sync runs again as the redelivered task would.
"""

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from incidents import services
from incidents.notifications.delivery import delivery_attempt
from incidents.notifications.models import Channel, Delivery, TelegramChat, TelegramIncidentMessage
from incidents.notifications.telegram.messages import SEND_LEASE, telegram_incident_sync
from tests.fakes.base import Request, Response
from tests.fakes.telegram import TelegramServer

from .conftest import GROUP, TOKEN

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[3]
BRAND_CHAT = {"id": -1002222222222, "type": "supergroup", "title": "Brand room"}


class HoldingTelegram(TelegramServer):
    """Posts the first sendMessage, then holds its answer until released."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.holding = threading.Event()
        self.release = threading.Event()

    def route(self, request: Request) -> Response:
        response = super().route(request)
        if request.path.endswith("/sendMessage") and not self.holding.is_set():
            self.holding.set()
            self.release.wait(60)
        return response


@pytest.fixture
def tg(settings) -> Iterator[HoldingTelegram]:
    server = HoldingTelegram(TOKEN)
    with server.running():
        settings.TELEGRAM_API_URL = server.url
        settings.OUTBOUND_ALLOW_HOSTS = [server.hostport]
        settings.TELEGRAM_WEBHOOK_BASE_URL = ""
        yield server
        server.release.set()


def _chats(tg: TelegramServer, agency) -> list[TelegramChat]:
    for chat in (GROUP, BRAND_CHAT):
        tg.chats[chat["id"]] = chat
    return [
        TelegramChat.objects.create(
            organisation=agency.org,
            chat_id=GROUP["id"],
            chat_type="supergroup",
            team=agency.team,
            language="en",
        ),
        TelegramChat.objects.create(
            organisation=agency.org,
            chat_id=BRAND_CHAT["id"],
            chat_type="supergroup",
            brand=agency.brand,
            language="ru",
        ),
    ]


def _sync_in_another_process(tg: TelegramServer, incident_id: int) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TELEGRAM_API_URL": tg.url,
        "OUTBOUND_ALLOW_HOSTS": tg.hostport,
        "DJANGO_SETTINGS_MODULE": "crisisdesk.settings",
    }
    code = (
        "from incidents.notifications.telegram.messages import telegram_incident_sync\n"
        f"telegram_incident_sync(incident_id={incident_id})\n"
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_a_sync_killed_during_sendmessage_is_not_repeated(tg: HoldingTelegram, bot, agency):
    manager = agency.member("manager")
    incident = services.incident_create(
        brand=agency.brand,
        title="Backlash",
        severity="sev2",
        by=manager,
        teams=[agency.team],
    )
    team_chat, _brand_chat = _chats(tg, agency)

    worker = _sync_in_another_process(tg, incident.id)
    try:
        assert tg.holding.wait(90), worker.communicate(timeout=5)[0].decode()[-3000:]
        # Recorded before it was sent: the row says a first message is on its way.
        row = TelegramIncidentMessage.objects.get(incident=incident, chat=team_chat)
        assert row.message_id is None and row.send_started_at is not None and row.text_hash
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        tg.release.set()
        if worker.poll() is None:
            worker.kill()
    assert len(tg.messages_in(GROUP["id"])) == 1  # Telegram posted it; nobody heard back

    # The task again, on a new worker: within the lease it waits, after it never reposts.
    with pytest.raises(Exception, match="being sent"):
        telegram_incident_sync(incident_id=incident.id)
    later = timezone.now() + SEND_LEASE + timedelta(seconds=5)
    assert telegram_incident_sync(incident_id=incident.id, now=later) == 1  # the brand chat
    assert telegram_incident_sync(incident_id=incident.id, now=later) == 0

    assert len(tg.messages_in(GROUP["id"])) == 1
    assert len(tg.messages_in(BRAND_CHAT["id"])) == 1
    team_posts = [r for r in tg.calls("/sendMessage") if r.json()["chat_id"] == GROUP["id"]]
    assert len(team_posts) == 1

    # A later change has nothing to edit in the team chat: it posts the new state once there,
    # and edits the brand chat's message in place.
    services.incident_acknowledge(incident=incident, by=manager)
    telegram_incident_sync(incident_id=incident.id, now=later)
    assert len(tg.messages_in(GROUP["id"])) == 2
    assert len(tg.messages_in(BRAND_CHAT["id"])) == 1
    assert TelegramIncidentMessage.objects.filter(message_id__isnull=True).count() == 0


def test_a_page_whose_worker_died_mid_call_is_not_repeated(tg: HoldingTelegram, bot, agency):
    tg.holding.set()  # answer at once
    tg.chats[GROUP["id"]] = GROUP
    # Recorded, then claimed by a task that died during the call (longer ago than the lease).
    page = Delivery.objects.create(
        organisation=agency.org,
        channel=Channel.TELEGRAM,
        kind="incident.escalated",
        key="page-1",
        payload={"method": "sendMessage", "params": {"chat_id": GROUP["id"], "text": "SEV1"}},
        state=Delivery.State.SENDING,
        attempts=1,
        claimed_at=timezone.now() - timedelta(minutes=5),
    )

    assert delivery_attempt(page.pk) == "skipped"
    page.refresh_from_db()
    assert page.state == Delivery.State.FAILED
    assert "interrupted" in page.last_error
    assert tg.calls("/sendMessage") == []
    # A webhook or an email in the same state is sent again: its receiver deduplicates.
