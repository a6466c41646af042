"""Incident messages in linked chats, edited in place; buttons and replies acting as the linked
member with their own rights. Against the fake Bot API on 127.0.0.1."""

from collections.abc import Callable

import pytest

from incidents import services
from incidents.models import IncidentEvent
from incidents.notifications.models import TelegramAccount, TelegramChat, TelegramIncidentMessage
from incidents.notifications.telegram.messages import telegram_incident_sync
from templates.models import ResponseStatus
from templates.services.responses import response_create, response_submit
from tenants.models import MemberKind, Role, UserProfile
from tests.factories import MembershipFactory, MentionFactory, TeamFactory
from tests.fakes.telegram import TelegramServer

from .conftest import GROUP, NOW, OTHER_GROUP, person

pytestmark = pytest.mark.django_db

BRAND_CHAT = {"id": -1002222222222, "type": "supergroup", "title": "Brand room"}
PEOPLE = {
    role: person(1000 + i, f"tg-{role}")
    for i, role in enumerate(["owner", "manager", "responder", "viewer"])
}


@pytest.fixture
def chats(tg: TelegramServer, bot, agency) -> dict[str, TelegramChat]:
    """The team's chat (English) and the brand's (Russian), every member's Telegram linked."""
    for chat in (GROUP, BRAND_CHAT, OTHER_GROUP):
        tg.chats[chat["id"]] = chat
    for role, user in PEOPLE.items():
        TelegramAccount.objects.create(
            organisation=agency.org,
            membership=agency.member(role),
            telegram_user_id=user["id"],
        )
    return {
        "team": TelegramChat.objects.create(
            organisation=agency.org,
            chat_id=GROUP["id"],
            chat_type="supergroup",
            team=agency.team,
            language="en",
        ),
        "brand": TelegramChat.objects.create(
            organisation=agency.org,
            chat_id=BRAND_CHAT["id"],
            chat_type="supergroup",
            brand=agency.brand,
            language="ru",
        ),
    }


@pytest.fixture
def opened(chats, agency, django_capture_on_commit_callbacks: Callable):
    with django_capture_on_commit_callbacks(execute=True):
        return services.incident_create(
            brand=agency.brand,
            title="Influencer <backlash>",
            severity="sev2",
            by=agency.member("manager"),
            teams=[agency.team],
        )


def events(incident, kind: str) -> int:
    return IncidentEvent.objects.filter(incident=incident, kind=kind).count()


def test_an_opened_incident_gets_one_message_per_chat_edited_as_it_changes(
    tg: TelegramServer, opened, agency, django_capture_on_commit_callbacks
):
    [team_msg] = tg.messages_in(GROUP["id"])
    [brand_msg] = tg.messages_in(BRAND_CHAT["id"])
    assert "SEV2" in team_msg["text"] and "Influencer <backlash>" in team_msg["text"]
    assert "Статус" in brand_msg["text"]  # the brand's chat speaks Russian
    assert tg.messages_in(OTHER_GROUP["id"]) == []
    buttons = [b["text"] for b in team_msg["reply_markup"]["inline_keyboard"][0]]
    assert buttons == ["Acknowledge", "Take command", "Open in CrisisDesk"]
    assert tg.calls("/sendMessage")[0].json()["parse_mode"] == "HTML"

    for reach in (120_000, 5_000):
        MentionFactory(
            brand=agency.brand,
            incident=opened,
            sentiment_label="negative",
            reach=reach,
            author="angry",
            text="Бойкот бренду!",
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=opened, by=agency.member("manager"), severity="sev1")
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_transition(
            incident=opened, status="acknowledged", by=agency.member("manager")
        )

    assert len(tg.calls("/sendMessage")) == 2  # still one message per chat
    [team_msg] = tg.messages_in(GROUP["id"])
    assert "SEV1" in team_msg["text"]
    assert "Evidence: 2 negative posts, reach 125 000" in team_msg["text"]
    assert "angry (120 000): Бойкот бренду!" in team_msg["text"]
    assert "Acknowledge" not in [b["text"] for b in team_msg["reply_markup"]["inline_keyboard"][0]]
    assert len(tg.edits) == 4

    # A sync with nothing new calls nothing.
    assert telegram_incident_sync(incident_id=opened.id) == 0


def test_acknowledge_pressed_twice_acknowledges_once(tg: TelegramServer, opened, agency, poll):
    [sent] = tg.messages_in(GROUP["id"])
    tg.press(sent, PEOPLE["responder"], f"ack:{opened.id}")
    tg.press(sent, PEOPLE["manager"], f"ack:{opened.id}")

    poll()

    assert events(opened, "acknowledged") == 1
    opened.refresh_from_db()
    assert opened.status == "acknowledged"
    assert opened.commander == agency.member("responder")
    assert [a["text"] for a in tg.callback_answers] == ["Acknowledged.", "Already acknowledged."]
    assert "Commander: alpha-responder" in tg.messages_in(GROUP["id"])[0]["text"]


def test_a_viewer_press_is_refused_and_changes_nothing(tg: TelegramServer, opened, poll):
    [sent] = tg.messages_in(GROUP["id"])
    tg.press(sent, PEOPLE["viewer"], f"ack:{opened.id}")
    tg.press(sent, person(999, "stranger"), f"ack:{opened.id}")

    poll()

    assert events(opened, "acknowledged") == 0
    viewer, stranger = tg.callback_answers
    assert viewer["show_alert"] and "role" in viewer["text"]
    assert "Link your Telegram account" in stranger["text"]


def test_client_staff_in_the_brand_chat_act_on_nothing(tg: TelegramServer, opened, agency, poll):
    """The web and the API refuse client staff incident work; the chat's buttons and replies
    refuse it too, whatever the client member's role."""
    client = MembershipFactory(organisation=agency.org, role=Role.MANAGER, kind=MemberKind.CLIENT)
    client.brands.set([agency.brand])
    user = person(1999, "tg-client")
    TelegramAccount.objects.create(
        organisation=agency.org, membership=client, telegram_user_id=user["id"]
    )
    [sent] = tg.messages_in(BRAND_CHAT["id"])
    tg.press(sent, user, f"ack:{opened.id}")
    tg.press(sent, user, f"cmd:{opened.id}")
    tg.reply_to(sent, user, "client staff do not write the agency's notes", NOW)

    poll()

    opened.refresh_from_db()
    assert events(opened, "acknowledged") == 0 and opened.commander_id != client.id
    assert events(opened, "note") == 0
    assert all(a["show_alert"] and "role" in a["text"] for a in tg.callback_answers)


def test_take_command_makes_the_presser_commander(tg: TelegramServer, opened, agency, poll):
    [sent] = tg.messages_in(GROUP["id"])
    tg.press(sent, PEOPLE["manager"], f"cmd:{opened.id}")

    poll()

    opened.refresh_from_db()
    assert opened.commander == agency.member("manager")
    assert tg.callback_answers[0]["text"] == "You are now the commander."


def test_a_reply_to_the_message_becomes_an_internal_note_by_that_member(
    tg: TelegramServer, opened, agency, poll
):
    [sent] = tg.messages_in(GROUP["id"])
    tg.reply_to(sent, PEOPLE["responder"], "Client called, statement at 18:00", NOW)
    tg.reply_to(sent, PEOPLE["viewer"], "viewers do not write notes", NOW)

    poll()

    [note] = IncidentEvent.objects.filter(incident=opened, kind="note")
    assert note.payload == {"text": "Client called, statement at 18:00"}
    assert note.actor == agency.member("responder").user
    assert len(TelegramIncidentMessage.objects.filter(incident=opened)) == 2


def test_incidents_lists_the_open_incidents_of_the_chats_scope(
    tg: TelegramServer, opened, agency, poll, django_capture_on_commit_callbacks
):
    other_team = TeamFactory(organisation=agency.org, name="Elsewhere")
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_create(
            brand=agency.other_brand,
            title="Not this team's",
            severity="sev3",
            by=None,
            teams=[other_team],
        )
    tg.message(GROUP, "/incidents", NOW, sender=PEOPLE["viewer"])
    tg.message(OTHER_GROUP, "/incidents", NOW, sender=PEOPLE["viewer"])

    poll()

    listing = tg.messages_in(GROUP["id"])[-1]["text"]
    assert "Open incidents:" in listing and f"#{opened.id} Influencer" in listing
    assert "Not this team's" not in listing
    assert [m["text"] for m in tg.messages_in(OTHER_GROUP["id"])] == []  # not linked: ignored


def test_an_approver_approves_a_response_from_the_message_and_a_responder_cannot(
    tg: TelegramServer, opened, agency, poll, django_capture_on_commit_callbacks
):
    author = agency.member("responder")
    with django_capture_on_commit_callbacks(execute=True):
        response = response_create(
            incident=opened,
            by=author,
            channel="x",
            body="We hear you and are fixing it.",
        )
        response_submit(response=response, by=author)
    [sent] = tg.messages_in(GROUP["id"])
    assert "We hear you and are fixing it." in sent["text"]
    assert [b["text"] for b in sent["reply_markup"]["inline_keyboard"][1]] == [
        "Approve",
        "Request changes",
    ]

    tg.press(sent, PEOPLE["responder"], f"rap:{response.id}")
    tg.press(sent, PEOPLE["manager"], f"rap:{response.id}")
    poll()

    response.refresh_from_db()
    assert response.status == ResponseStatus.APPROVED
    assert response.approved_by == agency.member("manager")
    refused, approved = tg.callback_answers
    assert refused["show_alert"] and approved["text"] == "Approved."
    assert "We hear you" not in tg.messages_in(GROUP["id"])[0]["text"]


def test_answers_follow_the_members_language(tg: TelegramServer, opened, agency, poll):
    UserProfile.objects.update_or_create(
        user=agency.member("responder").user, defaults={"language": "ru"}
    )
    [sent] = tg.messages_in(GROUP["id"])
    tg.press(sent, PEOPLE["responder"], f"ack:{opened.id}")

    poll()

    assert tg.callback_answers[0]["text"] == "Подтверждено."


def test_the_message_says_when_an_sla_is_at_risk_and_when_it_is_breached(opened):
    from datetime import timedelta

    from incidents.notifications.telegram.messages import incident_message

    due = opened.detected_at + timedelta(minutes=30)  # SEV2: 30 minutes to acknowledge
    early, _ = incident_message(
        opened, language="en", now=opened.detected_at + timedelta(minutes=5)
    )
    risky, _ = incident_message(opened, language="en", now=due - timedelta(minutes=5))
    late, _ = incident_message(opened, language="ru", now=due + timedelta(minutes=1))

    assert "SLA" not in early
    assert "SLA at risk: time to acknowledge" in risky
    assert "SLA нарушен: время до подтверждения" in late
