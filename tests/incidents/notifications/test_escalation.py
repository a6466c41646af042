"""Duty rotas and the escalation climb, with a controlled clock (`now` passed explicitly): level 1
at once, level 2 after its delay, stopped by an acknowledgement through Telegram; quiet hours for
SEV3 but not SEV1; a drill calls only its participants."""

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail

from incidents import services
from incidents.models import IncidentEvent
from incidents.notifications.escalation import (
    escalation_climb,
    policy_for,
    policy_save,
    rota_on_duty,
    rota_override_add,
    rota_save,
)
from incidents.notifications.models import (
    Escalation,
    NotificationPreference,
    TelegramAccount,
)
from tests.fakes.base import FakeService, Response
from tests.fakes.telegram import TelegramServer

from .conftest import person, private

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday afternoon
RESPONDER_TG = person(3001, "duty-responder")
LADDER = [
    {"target": "on_duty", "delay_minutes": 0},
    {"target": "team", "delay_minutes": 10},
    {"target": "brand_manager", "delay_minutes": 20},
    {"target": "owners", "delay_minutes": 30},
]


@pytest.fixture
def duty(tg: TelegramServer, bot, agency):
    """Responder then viewer on a weekly rota (responder's week now); the responder reached by
    Telegram, everyone else by email; the default ladder."""
    responder, viewer = agency.member("responder"), agency.member("viewer")
    for member in agency.members.values():
        member.user.email = f"{member.user.username}@example.com"
        member.user.save()
    tg.chats[RESPONDER_TG["id"]] = private(RESPONDER_TG)
    TelegramAccount.objects.create(
        organisation=agency.org, membership=responder, telegram_user_id=RESPONDER_TG["id"]
    )
    NotificationPreference.objects.create(
        organisation=agency.org, membership=responder, channels=["telegram"]
    )
    rota = rota_save(
        team=agency.team,
        by=agency.member("manager"),
        member_ids=[responder.id, viewer.id],
        starts_at=T0 - timedelta(days=1),
        time_zone="Europe/Moscow",
    )
    policy = policy_save(organisation=agency.org, name="Default", levels=LADDER)
    return {"rota": rota, "policy": policy}


class Receiver(FakeService):
    def route(self, request):  # a webhook receiver that accepts everything
        return Response(200, b"ok")


def open_incident(agency, severity: str = "sev2", at: datetime = T0, **kw):
    return services.incident_create(
        brand=agency.brand,
        title="Night backlash",
        severity=severity,
        by=None,
        teams=[agency.team],
        detected_at=at,
        **kw,
    )


@pytest.fixture
def climb(django_capture_on_commit_callbacks: Callable) -> Callable[[datetime], dict]:
    def run(now: datetime) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return escalation_climb(now=now)

    return run


def notified(incident) -> list[tuple[int, str, list[str]]]:
    return [
        (e.payload["level"], e.payload["member_name"], e.payload["channels"])
        for e in IncidentEvent.objects.filter(incident=incident, kind="escalation_notified")
    ]


def test_the_rota_follows_its_shifts_and_overrides(duty, agency):
    rota = duty["rota"]
    responder, viewer = agency.member("responder"), agency.member("viewer")
    assert rota_on_duty(rota, T0) == responder.id
    assert rota_on_duty(rota, T0 + timedelta(days=6)) == viewer.id
    assert rota_on_duty(rota, T0 + timedelta(days=13)) == responder.id

    rota_override_add(rota=rota, membership=viewer, starts_at=T0, ends_at=T0 + timedelta(hours=2))
    rota.refresh_from_db()
    assert rota_on_duty(rota, T0 + timedelta(hours=1)) == viewer.id
    assert rota_on_duty(rota, T0 + timedelta(hours=3)) == responder.id


def test_level_one_at_once_level_two_after_its_delay_stopped_by_telegram(
    tg: TelegramServer, duty, agency, climb, poll
):
    incident = open_incident(agency)

    climb(T0)
    assert notified(incident) == [(1, "alpha-responder", ["telegram"])]
    [page] = tg.messages_in(RESPONDER_TG["id"])
    assert "Night backlash" in page["text"]

    climb(T0 + timedelta(minutes=9))
    assert len(notified(incident)) == 1  # level 2 waits for its delay

    climb(T0 + timedelta(minutes=10))
    assert notified(incident)[1:] == [
        (2, "alpha-responder", ["telegram"]),
        (2, "alpha-viewer", ["email"]),
    ]
    assert [m.to for m in mail.outbox] == [["alpha-viewer@example.com"]]

    tg.press(page, RESPONDER_TG, f"ack:{incident.id}")  # from the private page
    poll()
    incident.refresh_from_db()
    assert incident.status == "acknowledged"

    climb(T0 + timedelta(minutes=60))
    assert len(notified(incident)) == 3  # brand manager and owners never called
    [stopped] = IncidentEvent.objects.filter(incident=incident, kind="escalation_stopped")
    assert stopped.payload["reason"] == "acknowledged"
    assert IncidentEvent.objects.filter(incident=incident, kind="escalation_climbed").count() == 2
    assert Escalation.objects.get(incident=incident).stopped_at is not None


def test_two_beats_at_the_same_minute_call_a_level_once(duty, agency, climb):
    incident = open_incident(agency)
    climb(T0)
    climb(T0)
    assert len(notified(incident)) == 1


@pytest.mark.parametrize(("severity", "called_at_night"), [("sev3", False), ("sev1", True)])
def test_quiet_hours_hold_sev3_but_not_sev1(duty, agency, climb, severity, called_at_night):
    policy_save(
        organisation=agency.org,
        name="Nights",
        levels=LADDER,
        policy=duty["policy"],
        quiet_start=time(22, 0),
        quiet_end=time(8, 0),
        time_zone="Europe/Moscow",
    )
    night = datetime(2026, 12, 2, 21, 30, tzinfo=UTC)  # 00:30 in Moscow
    incident = open_incident(agency, severity=severity, at=night)

    climb(night)

    assert bool(notified(incident)) is called_at_night
    if not called_at_night:
        [deferred] = IncidentEvent.objects.filter(incident=incident, kind="escalation_deferred")
        assert deferred.payload["until"].startswith("2026-12-03T08:00:00+03:00")
        climb(datetime(2026, 12, 3, 5, 0, tzinfo=UTC))  # 08:00 in Moscow
        assert [n[0] for n in notified(incident)] == [1]


def test_a_drill_calls_only_its_participants(duty, agency, climb):
    policy_save(
        organisation=agency.org,
        name="Straight to the owners",
        policy=duty["policy"],
        levels=[{"target": "owners", "delay_minutes": 0}, {"target": "team", "delay_minutes": 5}],
    )
    drill = open_incident(agency, is_drill=True)

    climb(T0)
    climb(T0 + timedelta(minutes=5))

    assert [(level, name) for level, name, _ in notified(drill)] == [
        (2, "alpha-responder"),
        (2, "alpha-viewer"),
    ]


def test_the_most_specific_policy_applies(duty, agency):
    brand_policy = policy_save(
        organisation=agency.org, name="Brand", brand=agency.brand, levels=LADDER[:1]
    )
    sev1_policy = policy_save(organisation=agency.org, name="SEV1", severity="sev1", levels=LADDER)
    assert policy_for(open_incident(agency, severity="sev1")) == brand_policy
    other = services.incident_create(
        brand=agency.other_brand, title="x", severity="sev1", by=None, detected_at=T0
    )
    assert policy_for(other) == sev1_policy


def test_the_chain_repeats_until_acknowledged_and_the_webhook_is_a_channel(
    duty, agency, climb, settings
):
    receiver = Receiver()
    with receiver.running():
        settings.OUTBOUND_ALLOW_HOSTS = [*settings.OUTBOUND_ALLOW_HOSTS, receiver.hostport]
        agency.org.webhook_url = receiver.url + "/hooks/crisisdesk"
        agency.org.save()
        _repeat_until_exhausted(agency, duty, climb)
        # One delivery per call, each with its own stable id.
        deliveries = [r.headers["x-crisisdesk-delivery"] for r in receiver.requests]
        assert len(deliveries) == 2 and len(set(deliveries)) == 2
        assert receiver.requests[0].json()["type"] == "incident.escalated"


def _repeat_until_exhausted(agency, duty, climb):
    NotificationPreference.objects.filter(membership=agency.member("responder")).update(
        channels=["webhook"]
    )
    policy_save(
        organisation=agency.org,
        name="Twice",
        policy=duty["policy"],
        repeat=2,
        levels=[{"target": "on_duty", "delay_minutes": 0}],
    )
    incident = open_incident(agency)

    climb(T0)
    climb(T0 + timedelta(minutes=4))
    climb(T0 + timedelta(minutes=5))  # the second round, REPEAT_MINUTES later
    climb(T0 + timedelta(minutes=60))  # no third round

    assert notified(incident) == [
        (1, "alpha-responder", ["webhook"]),
        (1, "alpha-responder", ["webhook"]),
    ]
    [stopped] = IncidentEvent.objects.filter(incident=incident, kind="escalation_stopped")
    assert stopped.payload["reason"] == "exhausted"


def _page(agency, key: str):
    from incidents.notifications.models import Channel
    from incidents.notifications.services import notify

    params = {"chat_id": RESPONDER_TG["id"], "text": "SEV2 #1 needs you"}
    return notify(
        organisation=agency.org, channel=Channel.TELEGRAM, kind="t", key=key, params=params
    )


def test_a_telegram_page_is_sent_once_when_its_task_runs_again(tg: TelegramServer, duty, agency):
    from incidents.notifications.delivery import delivery_attempt

    page = _page(agency, "page-key-1")
    assert _page(agency, "page-key-1") == page  # decided twice: one delivery
    assert delivery_attempt(page.pk) == "delivered"
    assert delivery_attempt(page.pk) == "skipped"  # a redelivery

    assert len(tg.messages_in(RESPONDER_TG["id"])) == 1


def test_a_flooded_page_is_retried_after_telegram_s_wait(tg: TelegramServer, duty, agency):
    from incidents.notifications.delivery import delivery_attempt

    page = _page(agency, "k2")
    tg.flood(3)
    assert delivery_attempt(page.pk) == "pending"
    page.refresh_from_db()
    assert page.next_attempt_at >= page.claimed_at + timedelta(seconds=3)
    assert delivery_attempt(page.pk, now=page.next_attempt_at) == "delivered"

    assert len(tg.messages_in(RESPONDER_TG["id"])) == 1


# --- an SLA breach goes through the climb when a policy is in force ---


def _breach_emails(agency) -> list[str]:
    """Who got the managers-and-owners SLA email (the fallback path)."""
    return sorted(
        to for m in mail.outbox if "SLA" in m.subject and "needs you" not in m.subject
        for to in m.to
        if to in {agency.member("owner").user.email, agency.member("manager").user.email}
    )  # fmt: skip


def test_with_a_policy_a_breach_calls_the_climbs_level_only(
    tg: TelegramServer, duty, agency, climb, django_capture_on_commit_callbacks
):
    from incidents.notifications.breaches import sla_breaches_check

    incident = open_incident(agency, severity="sev2", at=T0)
    climb(T0)  # level 1: the responder on duty, by Telegram
    tg.requests.clear()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        [breach] = sla_breaches_check(now=T0 + timedelta(minutes=31))  # 30 min to acknowledge

    assert breach.kind == "acknowledge"
    assert _breach_emails(agency) == []  # no second path beside the climb
    assert mail.outbox == []
    calls = IncidentEvent.objects.filter(
        incident=incident, kind="escalation_notified", payload__reason="sla_breached"
    )
    assert [(e.payload["level"], e.payload["member_name"]) for e in calls] == [
        (1, agency.member("responder").user.username)
    ]
    [page] = tg.messages_in(RESPONDER_TG["id"])[-1:]
    assert "SLA" in page["text"]
    # Once per breach: the check again calls no one.
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_breaches_check(now=T0 + timedelta(minutes=32)) == []
    assert len(tg.messages_in(RESPONDER_TG["id"])) == 2  # the climb's page and the breach's


def test_a_later_breach_calls_the_level_the_climb_reached(
    tg: TelegramServer, duty, agency, climb, django_capture_on_commit_callbacks
):
    from incidents.notifications.breaches import sla_breaches_check

    incident = open_incident(agency, severity="sev2", at=T0)
    climb(T0)
    climb(T0 + timedelta(minutes=10))  # level 2: the team, by email
    responder = agency.member("responder")
    services.incident_acknowledge(incident=incident, by=responder)
    # Acknowledged on the test's clock (the service took the real one, which may be past
    # T0 + 2 h: the acknowledgement would then count as late and breach too).
    type(incident).objects.filter(pk=incident.pk).update(
        acknowledged_at=T0 + timedelta(minutes=10, seconds=30)
    )
    climb(T0 + timedelta(minutes=11))  # stopped by the acknowledgement
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        breaches = sla_breaches_check(now=T0 + timedelta(minutes=121))  # first response due

    assert [b.kind for b in breaches] == ["first_response"]
    calls = IncidentEvent.objects.filter(
        incident=incident, kind="escalation_notified", payload__reason="sla_breached"
    )
    assert {e.payload["level"] for e in calls} == {2}
    assert _breach_emails(agency) == []
    assert mail.outbox and all("SLA" in m.subject for m in mail.outbox)


def test_without_a_policy_the_breach_emails_the_managers_and_owners(
    agency, django_capture_on_commit_callbacks
):
    from incidents.notifications.breaches import sla_breaches_check

    assert policy_for(open_incident(agency, severity="sev2", at=T0)) is None
    for role in ("owner", "manager"):
        agency.member(role).user.email = f"{role}@example.com"
        agency.member(role).user.save()

    with django_capture_on_commit_callbacks(execute=True):
        [breach] = sla_breaches_check(now=T0 + timedelta(minutes=31))

    assert breach.kind == "acknowledge"
    assert sorted(to for m in mail.outbox for to in m.to) == [
        "manager@example.com",
        "owner@example.com",
    ]
    assert not IncidentEvent.objects.filter(kind="escalation_notified").exists()


def test_an_emailed_page_is_in_the_callee_s_language(duty, agency, climb):
    """The page reads in the language the callee chose (the brand's when none), whoever ran the
    beat; here the viewer reads Russian and the brand English."""
    from tenants.models import UserProfile

    agency.brand.languages = ["en"]
    agency.brand.save()
    UserProfile.objects.update_or_create(
        user=agency.member("viewer").user, defaults={"language": "ru"}
    )
    incident = open_incident(agency)

    climb(T0)
    climb(T0 + timedelta(minutes=10))

    [email] = [m for m in mail.outbox if m.to == ["alpha-viewer@example.com"]]
    assert f"#{incident.id} ждёт вас: Night backlash" in email.subject
    assert "вас вызывают на уровне эскалации 2" in email.body
    assert "needs you" not in email.subject and "escalation level" not in email.body
