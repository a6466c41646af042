"""Telegram collector against a local Bot API server."""

import json
import time

import pytest

from incidents.monitoring.collectors import collector_for
from tests.fakes.base import Response
from tests.fakes.telegram import TelegramServer

from .conftest import raises_kind

TOKEN = "123456789:AAE-SECRET-bot-token-abcdefghijklmnop"
CREDS = {"bot_token": TOKEN}
NOW = int(time.time())
CHANNEL = {
    "id": -1001234567890,
    "type": "channel",
    "title": "Бренд Официально",
    "username": "brand_official",
}
GROUP = {"id": -1009876543210, "type": "supergroup", "title": "Бренд: обсуждение"}
PRIVATE_GROUP = {"id": -4001, "type": "group", "title": "Клиенты"}
USER = {"id": 42, "is_bot": False, "first_name": "Ivan", "last_name": "Petrov", "username": "ivanp"}

collector = collector_for("telegram")


@pytest.fixture
def tg(serve) -> TelegramServer:
    server = serve(TelegramServer(TOKEN), "TELEGRAM_API_URL")
    server.member_counts = {CHANNEL["id"]: 120_000, GROUP["id"]: 900}
    return server


def ids(result) -> list[str]:
    return [i.external_id for i in result.items]


def test_first_poll_reads_channel_posts_and_chat_messages(tg: TelegramServer) -> None:
    tg.message(CHANNEL, "Мы повысили цены", NOW - 60)
    tg.message(GROUP, "Это грабёж", NOW - 30, sender=USER)
    tg.message(PRIVATE_GROUP, "", NOW - 20, sender=USER)  # a sticker: nothing to ingest

    result = collector.collect({}, CREDS, {})

    post, message = result.items
    assert post.external_id == f"{CHANNEL['id']}:1"
    assert post.url == "https://t.me/brand_official/1"
    assert (post.author, post.reach) == ("Бренд Официально", 120_000)
    assert message.url == "https://t.me/c/9876543210/1"
    assert (message.author, message.reach, message.text) == ("Ivan Petrov", 900, "Это грабёж")
    assert result.cursor["offset"] == tg.updates[-1]["update_id"] + 1
    assert TOKEN not in json.dumps(result.cursor)
    (call,) = tg.calls("/getUpdates")
    assert call.path == f"/bot{TOKEN}/getUpdates"
    assert call.json()["allowed_updates"] == [
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
    ]
    assert "offset" not in call.json()


def test_incremental_polls_confirm_with_the_offset(tg: TelegramServer) -> None:
    tg.message(CHANNEL, "one", NOW - 60)
    first = collector.collect({}, CREDS, {})
    tg.message(CHANNEL, "two", NOW - 10)
    second = collector.collect({}, CREDS, first.cursor)
    assert ids(second) == [f"{CHANNEL['id']}:2"]
    assert tg.calls("/getUpdates")[-1].json()["offset"] == first.cursor["offset"]
    assert collector.collect({}, CREDS, second.cursor).items == []
    # Member counts are asked once a day, not every poll.
    assert len(tg.calls("/getChatMemberCount")) == 1


def test_a_failed_poll_loses_nothing(tg: TelegramServer) -> None:
    tg.message(CHANNEL, "one", NOW - 60)
    first = collector.collect({}, CREDS, {})
    tg.message(CHANNEL, "two", NOW - 10)
    tg.fail_next.append(Response.html(502))
    with raises_kind("unavailable"):
        collector.collect({}, CREDS, first.cursor)
    assert ids(collector.collect({}, CREDS, first.cursor)) == [f"{CHANNEL['id']}:2"]


def test_paging_over_a_full_batch(tg: TelegramServer) -> None:
    for n in range(130):
        tg.message(GROUP, f"msg {n}", NOW - 200 + n, sender=USER)
    first = collector.collect({}, CREDS, {})
    assert len(first.items) == 100 and first.more is True
    second = collector.collect({}, CREDS, first.cursor)
    assert len(second.items) == 30 and second.more is False
    assert not set(ids(first)) & set(ids(second))


def test_edits_and_discussion_comments(tg: TelegramServer) -> None:
    post = tg.message(CHANNEL, "Новый тариф", NOW - 100)
    # The discussion group's automatic forward of the post, then a comment replying to it.
    forward = tg.message(
        GROUP,
        "Новый тариф",
        NOW - 99,
        is_automatic_forward=True,
        sender_chat=CHANNEL,
        forward_origin={
            "type": "channel",
            "chat": CHANNEL,
            "message_id": post["message_id"],
            "date": NOW - 100,
        },
    )
    tg.message(GROUP, "Верните старый!", NOW - 50, sender=USER, reply_to_message=forward)
    tg.push(
        "edited_channel_post", {**post, "text": "Новый тариф (исправлено)", "edit_date": NOW - 40}
    )

    result = collector.collect({}, CREDS, {})

    assert ids(result) == [f"{CHANNEL['id']}:1", f"{GROUP['id']}:2"]
    assert result.items[0].text == "Новый тариф"  # the edit is the same mention: ingest updates it
    comment = result.items[1]
    assert comment.url == "https://t.me/brand_official/1?comment=2"
    edit = collector.collect({}, CREDS, {"offset": tg.updates[-1]["update_id"]})
    assert ids(edit) == [f"{CHANNEL['id']}:1"] and edit.items[0].text.endswith("(исправлено)")


def test_chat_filter(tg: TelegramServer) -> None:
    tg.message(CHANNEL, "keep by username", NOW - 3)
    tg.message(GROUP, "keep by id", NOW - 2, sender=USER)
    tg.message(PRIVATE_GROUP, "drop", NOW - 1, sender=USER)
    result = collector.collect({"chat_ids": ["@Brand_Official", str(GROUP["id"])]}, CREDS, {})
    assert [i.text for i in result.items] == ["keep by username", "keep by id"]


def test_flood_control_backs_off(tg: TelegramServer) -> None:
    tg.flood(17)
    with raises_kind("rate_limited") as caught:
        collector.collect({}, CREDS, {})
    assert caught[0].retry_after == 17


def test_wrong_token_is_auth_and_never_shown(tg: TelegramServer, all_logs) -> None:
    wrong = {"bot_token": "987654321:AAE-WRONG-bot-token-zyxwvutsrqponml"}
    with raises_kind("auth") as caught:
        collector.collect({}, wrong, {})
    assert "Unauthorized" in str(caught[0])
    assert "WRONG-bot-token" not in str(caught[0]) + repr(caught[0])
    collector.collect({}, CREDS, {})
    assert "WRONG-bot-token" not in all_logs() and "SECRET-bot-token" not in all_logs()


def test_a_webhook_makes_polling_impossible_and_says_so(tg: TelegramServer) -> None:
    tg.webhook_url = "https://example.com/hook"
    with raises_kind("config") as caught:
        collector.collect({}, CREDS, {})
    assert "webhook" in str(caught[0])
    with raises_kind("config"):
        collector.test_connection({}, CREDS)
    tg.webhook_url = ""
    collector.test_connection({}, CREDS)


@pytest.mark.parametrize(
    "answer",
    [
        Response(200, b"<html>oops</html>", {"Content-Type": "text/html"}),
        Response.json({"result": []}),
        Response.json({"ok": True, "result": {"not": "a list"}}),
        Response.json({"ok": True, "result": [{"no": "update id"}]}),
    ],
)
def test_malformed_answers(tg: TelegramServer, answer: Response) -> None:
    tg.fail_next.append(answer)
    with raises_kind("malformed"):
        collector.collect({}, CREDS, {})


@pytest.mark.parametrize(
    ("config", "credentials", "field"),
    [
        ({}, {}, "credentials.bot_token"),
        ({}, {"bot_token": "not-a-token"}, "credentials.bot_token"),
        ({"chat_ids": ["chat name"]}, CREDS, "config.chat_ids"),
        ({"chat_ids": "-100"}, CREDS, "config.chat_ids"),
    ],
)
def test_validate_refuses(config: dict, credentials: dict, field: str) -> None:
    assert field in collector.validate(config, credentials)


def test_validate_accepts() -> None:
    assert collector.validate({"chat_ids": ["@brand_official", -100123]}, CREDS) == {}
