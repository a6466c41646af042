"""The public statement page of an incident: opt-in by a manager, withdrawn at will, nothing
internal on it, rate limited, cacheable, in the brand's language; its Atom feed; the email
subscription with double opt-in and one-click unsubscribe."""

import re

import pytest
from django.core import mail
from django.test import Client

from incidents.models import Status
from incidents.services import incident_add_note
from templates import services
from templates.models import StatementPage
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

INTERNAL_TITLE = "Influencer row, internal codename HUSH"
NOTE = "Internal note: legal says do not admit fault"


def publish(agency, incident, body: str):
    responder, manager = agency.member("responder"), agency.member("manager")
    response = services.response_create(
        incident=incident, by=responder, channel="website", body=body
    )
    services.response_submit(response=response, by=responder)
    services.response_approve(response=response, by=manager)
    return services.response_publish(response=response, by=responder, url="https://brand.test/x")


@pytest.fixture
def incident(agency):
    agency.brand.languages = ["ru", "en"]
    agency.brand.time_zone = "Europe/Moscow"
    agency.brand.save()
    return IncidentFactory(brand=agency.brand, status=Status.RESPONDING, title=INTERNAL_TITLE)


def page_url(as_role, incident) -> str:
    org = incident.organisation.slug
    response = as_role("manager").post(
        f"/api/v1/orgs/{org}/incidents/{incident.pk}/statement-page/"
    )
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert re.fullmatch(r"http://[^/]+/s/[A-Za-z0-9_-]{40,}/", url)
    return "/" + url.split("/", 3)[3]


def test_only_managers_publish_and_another_agency_gets_404(as_role, api, outsider, incident):
    org = incident.organisation.slug
    path = f"/api/v1/orgs/{org}/incidents/{incident.pk}/statement-page/"
    assert as_role("responder").post(path).status_code == 403
    assert api(outsider.member("owner").user).post(path).status_code == 404
    assert api(None).post(path).status_code in (401, 403)
    assert not StatementPage.objects.exists()


def test_anonymous_walk_shows_statements_in_order_and_nothing_internal(
    agency, as_role, incident
) -> None:
    incident_add_note(incident=incident, by=agency.member("manager"), text=NOTE)
    publish(agency, incident, "We know about the outage.")
    publish(agency, incident, "It is fixed now.")
    path = page_url(as_role, incident)
    visitor = Client()

    page = visitor.get(path)
    feed = visitor.get(path + "feed.atom")

    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("We know about the outage.") < html.index("It is fixed now.")
    assert "Мы работаем над проблемой." in html  # responding, in the brand's language
    assert page["Content-Language"] == "ru"
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "It is fixed now." in feed.content.decode()
    for response in (page, feed):
        body = response.content.decode()
        for secret in (INTERNAL_TITLE, NOTE, "alpha-responder", "alpha-manager", "brand.test/x"):
            assert secret not in body
        assert "public" in response["Cache-Control"]
        assert response["ETag"] and response["Last-Modified"]


def test_times_are_in_the_brands_time_zone(agency, as_role, incident) -> None:
    statement = publish(agency, incident, "Hello.")
    path = page_url(as_role, incident)

    html = Client().get(path).content.decode()

    moscow = statement.published_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Moscow"))
    assert moscow.strftime("%H:%M") in html
    assert moscow.isoformat()[:16] in html


def test_a_repeated_get_with_the_etag_is_304_until_a_new_statement(agency, as_role, incident):
    path = page_url(as_role, incident)
    first = Client().get(path)

    again = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    publish(agency, incident, "News.")
    after = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert after.status_code == 200


def test_withdrawn_and_unknown_tokens_are_404_and_other_incidents_stay_apart(
    agency, as_role, incident
) -> None:
    other = IncidentFactory(brand=agency.brand, status=Status.RESPONDING)
    publish(agency, other, "Other incident statement.")
    path = page_url(as_role, incident)
    other_path = page_url(as_role, other)
    org = incident.organisation.slug

    assert "Other incident statement." not in Client().get(path).content.decode()
    assert Client().get("/s/not-a-real-token/").status_code == 404
    response = as_role("manager").delete(
        f"/api/v1/orgs/{org}/incidents/{incident.pk}/statement-page/"
    )
    assert response.status_code == 204
    for suffix in ("", "feed.atom"):
        assert Client().get(path + suffix).status_code == 404
    assert Client().get(other_path).status_code == 200
    # Publishing again gives a new address; the old one stays dead.
    new_path = page_url(as_role, incident)
    assert new_path != path
    assert Client().get(path).status_code == 404


def test_the_public_page_is_rate_limited_per_address(monkeypatch, as_role, incident) -> None:
    from crisisdesk.core.throttling import PublicPageThrottle

    rates = {**PublicPageThrottle.THROTTLE_RATES, "public_page": "3/min"}
    monkeypatch.setattr(PublicPageThrottle, "THROTTLE_RATES", rates)
    path = page_url(as_role, incident)

    codes = [Client().get(path).status_code for _ in range(4)]
    other_address = Client(REMOTE_ADDR="10.9.9.9").get(path).status_code

    assert codes == [200, 200, 200, 429]
    assert other_address == 200


def _link(message, pattern: str) -> str:
    found = re.search(r"https?://[^/\s]+(/s/[^\s]+/" + pattern + r"/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_subscription_double_opt_in_and_one_click_unsubscribe(
    agency, as_role, incident, django_capture_on_commit_callbacks
) -> None:
    path = page_url(as_role, incident)
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        answer = visitor.post(path + "subscribe/", {"email": "Reader@Example.test"})
    assert answer.status_code == 200
    [confirm] = mail.outbox
    assert confirm.to == ["reader@example.test"]
    assert "Подтвердите" in confirm.subject  # the brand's language

    # Not confirmed yet: a new statement mails nobody.
    with django_capture_on_commit_callbacks(execute=True):
        publish(agency, incident, "First statement.")
    assert len(mail.outbox) == 1

    assert visitor.get(_link(confirm, "confirm")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        publish(agency, incident, "Second statement.")
    assert len(mail.outbox) == 2
    news = mail.outbox[1]
    assert news.to == ["reader@example.test"]
    assert "Second statement." in news.body
    unsubscribe_url = news.extra_headers["List-Unsubscribe"].strip("<>")
    assert news.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_path = _link(news, "unsubscribe")
    assert unsubscribe_url.endswith(unsubscribe_path)

    # A GET (a mail scanner) changes nothing, it shows the button; the one-click POST acts.
    shown = visitor.get(unsubscribe_path)
    assert shown.status_code == 200
    assert '<form method="post" class="public__card">' in shown.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        publish(agency, incident, "Third statement.")
    assert len(mail.outbox) == 3
    assert Client().post(unsubscribe_path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        publish(agency, incident, "Fourth statement.")
    assert len(mail.outbox) == 3


def test_no_mail_after_the_page_is_withdrawn(
    agency, as_role, incident, django_capture_on_commit_callbacks
) -> None:
    path = page_url(as_role, incident)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(path + "subscribe/", {"email": "reader@example.test"})
    Client().get(_link(mail.outbox[0], "confirm"))
    org = incident.organisation.slug
    as_role("manager").delete(f"/api/v1/orgs/{org}/incidents/{incident.pk}/statement-page/")

    with django_capture_on_commit_callbacks(execute=True):
        publish(agency, incident, "After withdrawal.")

    assert len(mail.outbox) == 1
    assert Client().get(_link(mail.outbox[0], "confirm")).status_code == 404


def test_a_forged_confirmation_link_is_refused(agency, as_role, incident) -> None:
    path = page_url(as_role, incident)

    response = Client().get(path + "confirm/forged-value/")

    assert response.status_code == 400
    assert not StatementPage.objects.get().subscribers.exists()


def test_a_forged_unsubscribe_link_shows_no_button(agency, as_role, incident) -> None:
    path = page_url(as_role, incident)

    forged = Client().get(path + "unsubscribe/forged-value/")

    assert forged.status_code == 400
    assert '<form method="post" class="public__card">' not in forged.content.decode()


@pytest.mark.parametrize("address", ["a@b", "reader@", "@example.test", "two@@example.test", ""])
def test_subscribe_refuses_an_address_that_is_not_one(
    as_role, incident, django_capture_on_commit_callbacks, address: str
) -> None:
    path = page_url(as_role, incident)

    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().post(path + "subscribe/", {"email": address})

    assert answer.status_code == 400
    assert not mail.outbox
    assert not StatementPage.objects.get().subscribers.exists()


def test_managers_publish_and_withdraw_from_the_incident_page(agency, incident) -> None:
    browser = Client()
    browser.force_login(agency.member("manager").user)
    org = incident.organisation.slug
    room = f"/o/{org}/incidents/{incident.pk}/"

    assert "statement-page/" in browser.get(room).content.decode()
    browser.post(room + "statement-page/")
    page = StatementPage.objects.get()
    assert page.path in browser.get(room).content.decode()
    browser.post(room + "statement-page/withdraw/")  # without the confirmation: nothing
    page.refresh_from_db()
    assert page.is_live
    browser.post(room + "statement-page/withdraw/", {"confirm": "yes"})
    page.refresh_from_db()
    assert not page.is_live

    responder = Client()
    responder.force_login(agency.member("responder").user)
    assert "statement-page/" not in responder.get(room).content.decode()
    assert responder.post(room + "statement-page/").status_code in (403, 404)
