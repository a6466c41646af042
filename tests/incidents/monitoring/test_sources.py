"""Sources: the API (tenant- and brand-scoped, credentials never shown), polling against local
servers speaking the services' wire formats (first poll, cursor, paging, rate limit, auth
failure, malformed answers), the poll lease, the dispatch and the failing-source alert."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from incidents.monitoring.collectors.vk import VkCollector
from incidents.monitoring.models import Mention, MentionBucket, Source
from incidents.monitoring.services import sources as source_services
from tenants.ownership import organisation_export_stream
from tests.factories import MembershipFactory
from tests.fakes.base import Response
from tests.fakes.rss import FeedServer
from tests.fakes.vk import VkServer
from tests.incidents.monitoring.collectors.conftest import serve  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

SOURCES = "/api/v1/orgs/alpha/sources/"
TOKEN = "vk1.a.SECRET-token-1234567890"


@pytest.fixture
def feed(serve) -> FeedServer:  # noqa: F811
    return serve(FeedServer())


@pytest.fixture
def vk(serve, monkeypatch) -> VkServer:  # noqa: F811
    monkeypatch.setattr(VkCollector, "min_interval", 0.0)
    server = serve(VkServer(TOKEN), "VK_API_URL", "/method/")
    server.person(1, "Анна", "Петрова", 15000)
    return server


def rss_source(agency, feed: FeedServer, **extra) -> Source:
    return source_services.source_create(
        brand=agency.brand, kind="rss", config={"url": feed.url + "/rss.xml"}, **extra
    )


def vk_source(agency, token: str = TOKEN) -> Source:
    return source_services.source_create(
        brand=agency.brand,
        kind="vk",
        config={"query": "бренд"},
        credentials={"access_token": token},
    )


def poll(source: Source) -> source_services.PollOutcome | None:
    outcome = source_services.source_poll(source_id=source.pk)
    source.refresh_from_db()
    return outcome


# --- the API ---


def test_a_manager_adds_an_rss_source_and_polls_it_on_the_worker(
    as_role, agency, feed, django_capture_on_commit_callbacks
) -> None:
    feed.add("g-1", "Бренд открыл магазин", "<p>Отличный сервис</p>", timezone.now())
    response = as_role("manager").post(
        SOURCES,
        {
            "brand": agency.brand.id,
            "kind": "rss",
            "name": "Новости",
            "config": {"url": feed.url + "/rss.xml"},
            "interval_seconds": 600,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "new" and body["fetched_total"] == 0
    assert body["has_credentials"] is False and "credentials" not in body
    assert body["last_polled_at"] is None and body["last_error"] == ""

    with django_capture_on_commit_callbacks(execute=True):
        polled = as_role("responder").post(f"{SOURCES}{body['id']}/poll/")
    assert polled.status_code == 403  # responders read, managers act
    with django_capture_on_commit_callbacks(execute=True):
        polled = as_role("manager").post(f"{SOURCES}{body['id']}/poll/")
    assert polled.status_code == 202

    after = as_role("viewer").get(f"{SOURCES}{body['id']}/").json()
    assert after["state"] == "ok" and after["fetched_total"] == 1
    assert after["last_success_at"] and after["last_polled_at"] and after["lag_seconds"] >= 0
    mention = Mention.objects.get(brand=agency.brand)
    assert (mention.platform, mention.external_id) == ("news", "g-1")


def test_refusals(as_role, agency, outsider) -> None:
    url_only = {"brand": agency.brand.id, "kind": "rss", "config": {"url": "https://x.example/f"}}
    assert as_role("viewer").post(SOURCES, url_only, format="json").status_code == 403
    assert as_role("responder").post(SOURCES, url_only, format="json").status_code == 403

    cases = [
        ({**url_only, "config": {}}, "config.url"),
        ({**url_only, "config": {"url": "ftp://x"}}, "config.url"),
        ({**url_only, "config": {"url": "https://x.example/f", "typo": 1}}, "config.typo"),
        ({**url_only, "kind": "vk", "config": {"query": "x"}}, "credentials.access_token"),
        ({**url_only, "kind": "vk", "config": {}, "credentials": {"access_token": "t" * 10}}, None),
        ({**url_only, "kind": "youtube", "config": {}, "credentials": {}}, None),
        ({**url_only, "kind": "myspace"}, "kind"),
        ({**url_only, "interval_seconds": 5}, "interval_seconds"),
        ({**url_only, "brand": outsider.brand.id}, "brand"),
    ]
    for payload, field in cases:
        response = as_role("manager").post(SOURCES, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        if field:
            assert field in response.json()["errors"], (field, response.json())
    assert not Source.objects.all_tenants().exists()


def test_another_organisations_source_is_not_found(as_role, agency, outsider, api) -> None:
    theirs = source_services.source_create(
        brand=outsider.brand, kind="rss", config={"url": "https://x.example/f"}
    )
    client = as_role("owner")
    assert client.get(SOURCES).json()["results"] == []
    for method, suffix in [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "poll/"),
        ("post", "pause/"),
        ("post", "resume/"),
        ("post", "test-connection/"),
    ]:
        response = getattr(client, method)(f"{SOURCES}{theirs.pk}/{suffix}", {}, format="json")
        assert response.status_code == 404, (method, suffix)
    # Their own members do see it, under their own organisation only.
    omega = api(outsider.member("viewer").user)
    assert omega.get("/api/v1/orgs/omega/sources/").json()["results"][0]["id"] == theirs.pk
    assert omega.get(f"{SOURCES}{theirs.pk}/").status_code == 404


def test_credentials_never_leave_in_a_response_or_an_export(as_role, agency) -> None:
    created = as_role("manager").post(
        SOURCES,
        {
            "brand": agency.brand.id,
            "kind": "vk",
            "config": {"query": "бренд"},
            "credentials": {"access_token": TOKEN},
        },
        format="json",
    )
    assert created.status_code == 201
    source = Source.objects.get()
    assert TOKEN not in source.credentials_encrypted  # encrypted at rest
    assert source_services.source_credentials(source) == {"access_token": TOKEN}
    responses = [
        created,
        as_role("viewer").get(SOURCES),
        as_role("viewer").get(f"{SOURCES}{source.pk}/"),
        as_role("manager").patch(
            f"{SOURCES}{source.pk}/", {"interval_seconds": 900}, format="json"
        ),
        as_role("manager").post(f"{SOURCES}{source.pk}/pause/"),
    ]
    for response in responses:
        assert response.status_code in (200, 201)
        assert TOKEN not in response.content.decode()
        assert source.credentials_encrypted not in response.content.decode()
    assert responses[2].json()["has_credentials"] is True
    source.refresh_from_db()
    assert source_services.source_credentials(source) == {"access_token": TOKEN}  # kept

    export = "".join(organisation_export_stream(organisation=agency.org, by=agency.member("owner")))
    rows = json.loads(export)["data"]["incidents.Source"]
    assert rows and "credentials_encrypted" not in rows[0]
    assert TOKEN not in export and source.credentials_encrypted not in export


def test_the_admin_shows_health_never_credentials(agency, client, django_user_model) -> None:
    source = vk_source(agency)
    admin_user = django_user_model.objects.create_superuser("root", "root@x.example", "pw")
    client.force_login(admin_user)
    for url in ("/admin/incidents/source/", f"/admin/incidents/source/{source.pk}/change/"):
        page = client.get(url)
        assert page.status_code == 200
        assert TOKEN not in page.content.decode()
        assert source.credentials_encrypted not in page.content.decode()


def test_patch_validates_with_the_kind_and_a_new_config_starts_a_new_cursor(
    as_role, agency, feed
) -> None:
    source = rss_source(agency, feed)
    Source.objects.filter(pk=source.pk).update(cursor={"seen": {"a": "b"}}, state="ok")
    url = f"{SOURCES}{source.pk}/"
    bad = as_role("manager").patch(url, {"config": {"url": "nope"}}, format="json")
    assert bad.status_code == 400 and "config.url" in bad.json()["errors"]
    assert as_role("viewer").patch(url, {"name": "x"}, format="json").status_code == 403
    ok = as_role("manager").patch(
        url, {"config": {"url": feed.url + "/atom.xml"}, "kind": "vk"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["kind"] == "rss" and ok.json()["state"] == "new"
    source.refresh_from_db()
    assert source.cursor == {}


def test_pause_resume_delete(as_role, agency, feed) -> None:
    source = rss_source(agency, feed)
    client = as_role("manager")
    assert client.post(f"{SOURCES}{source.pk}/pause/").json()["state"] == "paused"
    assert poll(source) is None  # a paused source is not polled
    assert client.post(f"{SOURCES}{source.pk}/poll/").status_code == 400
    assert client.post(f"{SOURCES}{source.pk}/resume/").json()["state"] == "new"
    assert as_role("viewer").delete(f"{SOURCES}{source.pk}/").status_code == 403
    assert client.delete(f"{SOURCES}{source.pk}/").status_code == 204
    assert not Source.objects.all_tenants().exists()


def test_test_connection_reports_in_the_readers_language(as_role, agency, vk) -> None:
    good = vk_source(agency)
    bad = vk_source(agency, token="vk1.a.WRONG-token-0987654321")
    client = as_role("manager")
    assert client.post(f"{SOURCES}{good.pk}/test-connection/").json() == {
        "ok": True,
        "error": "",
        "error_kind": "",
    }
    answer = client.post(f"{SOURCES}{bad.pk}/test-connection/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert answer["ok"] is False and answer["error_kind"] == "auth"
    assert answer["error"].startswith("ВКонтакте отклонил ключ доступа")
    assert "WRONG-token" not in answer["error"]


def test_the_list_costs_constant_queries(as_role, agency, django_assert_max_num_queries) -> None:
    for n in range(12):
        brand = agency.brand if n % 2 else agency.other_brand
        source_services.source_create(
            brand=brand, kind="rss", config={"url": f"https://x.example/{n}"}
        )
    client = as_role("viewer")
    client.get(SOURCES)  # warm the session and the membership
    with django_assert_max_num_queries(8):
        body = client.get(SOURCES).json()
    assert len(body["results"]) == 12
    only = client.get(SOURCES, {"brand": agency.brand.id}).json()["results"]
    assert {s["brand"] for s in only} == {agency.brand.id} and len(only) == 6


# --- polling ---


def test_first_and_incremental_polls_store_each_entry_once(agency, feed) -> None:
    now = timezone.now()
    feed.add("g-1", "Бренд: ужасный сервис", "Отвратительно, верните деньги", now)
    feed.add("g-2", "Бренд открыл кафе", "Всё хорошо", now - timedelta(minutes=2))
    source = rss_source(agency, feed)

    first = poll(source)
    assert (first.fetched, first.created) == (2, 2)
    assert source.state == "ok" and source.fetched_total == 2
    assert source.cursor["seen"].keys() == {"g-1", "g-2"}
    # The same thing as an ingested mention: scored and counted for detection.
    bad = Mention.objects.get(external_id="g-1")
    assert bad.sentiment_label == "negative"
    assert sum(b.total for b in MentionBucket.objects.filter(brand=agency.brand)) == 2

    again = poll(source)
    assert (again.fetched, again.created) == (0, 0)

    feed.add("g-3", "Третья", "новая", timezone.now())
    feed.add("g-4", "Задним числом", "старая дата", now - timedelta(days=2))
    third = poll(source)
    assert (third.fetched, third.created) == (2, 2)
    assert Mention.objects.filter(brand=agency.brand).count() == 4
    assert source.fetched_total == 4
    assert source.next_poll_at > timezone.now() + timedelta(seconds=250)


def test_paging_in_one_poll_skips_nothing_and_the_next_poll_repeats_nothing(agency, vk) -> None:
    now = int(time.time())
    for n in range(700):
        vk.post(5, 1000 + n, now - 5000 + n, f"бренд пост {n}", from_id=1)
    source = vk_source(agency)

    outcome = poll(source)
    assert outcome.pages == 2 and outcome.fetched == 700  # 600 (3 pages), then 100
    assert Mention.objects.filter(brand=agency.brand).count() == 700
    assert Mention.objects.filter(brand=agency.brand, reach=15000).count() == 700
    assert source.state == "ok" and source.fetched_total == 700

    vk.post(5, 5000, int(time.time()), "бренд после", from_id=1)
    second = poll(source)
    assert (second.fetched, second.created) == (1, 1)
    assert Mention.objects.filter(brand=agency.brand).count() == 701


def test_a_rate_limit_waits_as_asked_and_is_not_a_failure(agency, vk) -> None:
    source = vk_source(agency)
    vk.rate_limit(29)
    before = timezone.now()
    outcome = poll(source)
    assert outcome.error_kind == "rate_limited"
    assert source.state == "new" and source.consecutive_failures == 0
    assert (
        source.last_error_kind == "rate_limited"
        and "Rate limit reached" in (source.last_error["en"])
    )
    assert source.next_poll_at >= before + timedelta(seconds=3600)
    assert source.cursor == {}  # the sweep starts again from where it was
    # The dispatch leaves it alone until then.
    assert source.pk not in source_services.sources_dispatch()


def test_an_authentication_failure_is_shown_on_the_source(as_role, agency, vk) -> None:
    source = vk_source(agency, token="vk1.a.WRONG-token-0987654321")
    outcome = poll(source)
    assert outcome.error_kind == "auth"
    assert source.state == "error" and source.consecutive_failures == 1
    assert source.last_polled_at and source.last_success_at is None
    body = as_role("viewer").get(f"{SOURCES}{source.pk}/").json()
    assert body["state"] == "error" and body["last_error_kind"] == "auth"
    assert body["last_error"].startswith("VK refused the access token")
    ru = as_role("viewer").get(f"{SOURCES}{source.pk}/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert ru["last_error"].startswith("ВКонтакте отклонил ключ доступа")
    assert "WRONG-token" not in json.dumps(body) + json.dumps(ru)
    # Backing off: the next poll is at least one interval away.
    assert source.next_poll_at >= timezone.now() + timedelta(seconds=250)


@pytest.mark.parametrize(
    "answer",
    [
        Response.html(200),
        Response.json({"response": {"items": "nope"}}),
        Response(200, b'{"response": {"items": [', {"Content-Type": "application/json"}),
    ],
)
def test_a_malformed_answer_is_an_error_state_not_a_crash(agency, vk, answer) -> None:
    source = vk_source(agency)
    vk.fail_next.append(answer)
    outcome = poll(source)
    assert outcome.error_kind == "malformed"
    assert source.state == "error" and source.last_error["en"] and source.last_error["ru"]
    assert source.claimed_until is None  # the lease is released
    # The service recovers: the next poll succeeds and clears the error.
    vk.post(5, 1, int(time.time()) - 10, "бренд вернулся", from_id=1)
    Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now())
    poll(source)
    assert source.state == "ok" and source.last_error == {} and source.consecutive_failures == 0


def test_a_broken_feed_is_an_error_state(agency, feed) -> None:
    feed.fail_next.append(Response(200, b"<html>not a feed</html>", {"Content-Type": "text/html"}))
    source = rss_source(agency, feed)
    poll(source)
    assert source.state == "error" and source.last_error_kind == "malformed"


def test_failing_polls_in_a_row_tell_the_managers_once(
    agency, vk, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SOURCE_FAILURE_ALERT_AFTER = 3
    source = vk_source(agency, token="vk1.a.WRONG-token-0987654321")
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            poll(source)
    assert source.consecutive_failures == 5
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    # In the brand's language (the factory's brands speak Russian first).
    assert "Источник не работает" in message.subject and agency.brand.name in message.subject
    assert "не ответил 3 раза подряд" in message.body
    assert "WRONG-token" not in message.body
    assert agency.member("manager").user.email in message.to


def test_a_failing_source_tells_only_the_managers_of_its_brand(
    agency, outsider, vk, settings, django_capture_on_commit_callbacks
) -> None:
    """Not the managers limited to another brand, not viewers or responders, not the
    client's own staff, not another organisation."""
    settings.SOURCE_FAILURE_ALERT_AFTER = 2

    def member(name: str, role: str, brands=(), **extra) -> str:
        membership = MembershipFactory(
            organisation=agency.org, role=role, user__email=f"{name}@example.test", **extra
        )
        membership.brands.set(brands)
        return membership.user.email

    limited_here = member("limited-here", "manager", [agency.brand])
    limited_both = member("limited-both", "manager", [agency.other_brand, agency.brand])
    limited_elsewhere = member("limited-elsewhere", "manager", [agency.other_brand])
    client_manager = member("client-manager", "manager", [agency.brand], kind="client")
    source = vk_source(agency, token="vk1.a.WRONG-token-0987654321")

    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            poll(source)

    assert len(mail.outbox) == 1
    recipients = set(mail.outbox[0].to)
    assert recipients == {
        agency.member("owner").user.email,
        agency.member("manager").user.email,
        limited_here,
        limited_both,
    }
    assert limited_elsewhere not in recipients and client_manager not in recipients
    for role in ("responder", "viewer"):
        assert agency.member(role).user.email not in recipients
    assert not recipients & {m.user.email for m in outsider.members.values()}


def test_a_source_of_a_brand_without_managers_emails_no_one(
    agency, vk, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SOURCE_FAILURE_ALERT_AFTER = 1
    for role in ("owner", "manager"):
        agency.member(role).brands.set([agency.other_brand])
    source = vk_source(agency, token="vk1.a.WRONG-token-0987654321")
    with django_capture_on_commit_callbacks(execute=True):
        poll(source)
    assert source.state == "error" and mail.outbox == []


def test_one_poll_in_flight_per_source(agency, feed) -> None:
    source = rss_source(agency, feed)
    now = timezone.now()
    assert source_services.source_claim(source_id=source.pk, now=now) is True
    assert source_services.source_claim(source_id=source.pk, now=now) is False
    assert source_services.source_poll(source_id=source.pk) is None  # someone else polls it
    assert source.pk not in source_services.sources_dispatch()
    # A crashed worker's lease expires.
    later = now + source_services.LEASE + timedelta(seconds=1)
    assert source_services.source_claim(source_id=source.pk, now=later) is True


def test_the_dispatch_sends_each_due_source_once(
    agency, outsider, feed, django_capture_on_commit_callbacks
) -> None:
    feed.add("g-1", "Бренд", "текст", timezone.now())
    due = rss_source(agency, feed)
    theirs = source_services.source_create(
        brand=outsider.brand, kind="rss", config={"url": feed.url + "/rss.xml"}
    )
    paused = source_services.source_pause(source=rss_source(agency, feed))
    later = rss_source(agency, feed)
    Source.objects.filter(pk=later.pk).update(next_poll_at=timezone.now() + timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        sent = source_services.sources_dispatch()
    assert sorted(sent) == sorted([due.pk, theirs.pk])
    assert paused.pk not in sent and later.pk not in sent
    assert source_services.sources_dispatch() == []  # moved one interval on
    due.refresh_from_db()
    assert due.state == "ok" and due.fetched_total == 1  # the eager worker polled it
    assert Mention.objects.all_tenants().filter(brand=outsider.brand).count() == 1


def test_the_beat_registers_the_dispatch() -> None:
    from django_celery_beat.models import PeriodicTask

    from incidents.schedules import schedules_register

    assert "sources-dispatch" in schedules_register()
    task = PeriodicTask.objects.get(name="sources-dispatch")
    assert task.task == "incidents.tasks.sources_dispatch_run" and task.interval.every == 30


def test_a_deleted_organisation_is_not_polled(agency, feed) -> None:
    source = rss_source(agency, feed)
    type(agency.org).objects.filter(pk=agency.org.pk).update(deleted_at=datetime.now(UTC))
    assert source_services.sources_dispatch() == []
    assert poll(source) is None
