"""Issue 13, hole 6 (webhook secret): the organisation's webhook secret was never shown, so
no receiver could verify a signature. It is shown once at creation and at each rotation (API
and page; a reload of the page does not repeat it). The signature is checked against a known
answer computed with openssl, not by the production function.

The creation, rotation and page tests fail on the previous code."""

import json

import pytest

from crisisdesk.core.signing import signature_compute, signature_header
from tenants.models import AuditEntry

pytestmark = pytest.mark.django_db

# printf '%s' '1767225600.<body>' | openssl dgst -sha256 -hmac crisisdesk-known-answer-secret
KNOWN_SECRET = "crisisdesk-known-answer-secret"
KNOWN_TIMESTAMP = 1767225600
KNOWN_BODY = (
    '{"data":{"hello":"мир"},"id":"8d7f0c3e-0000-4000-8000-000000000001","type":"incident.test"}'
).encode()
KNOWN_HEX = "4da1dd577a299848da1d3521e03ff2e53e7cf1e91d3d498fc95c3fedb75e402d"


def test_the_signature_matches_the_known_answer() -> None:
    assert (
        signature_compute(secret=KNOWN_SECRET, timestamp=KNOWN_TIMESTAMP, body=KNOWN_BODY)
        == KNOWN_HEX
    )
    assert (
        signature_header(secret=KNOWN_SECRET, body=KNOWN_BODY, timestamp=KNOWN_TIMESTAMP)
        == f"t={KNOWN_TIMESTAMP},v1={KNOWN_HEX}"
    )


def test_creating_an_organisation_shows_its_secret_once(api, agency) -> None:
    owner = agency.member("owner").user

    created = api(owner).post("/api/v1/orgs/", {"name": "Beta"}, format="json")

    assert created.status_code == 201
    secret = created.json()["webhook_secret"]
    assert len(secret) == 64
    again = api(owner).get(f"/api/v1/orgs/{created.json()['slug']}/").json()
    assert "webhook_secret" not in again
    assert secret not in json.dumps(again)


def test_an_owner_rotates_the_secret_and_sees_the_new_one_once(as_role, agency) -> None:
    old = agency.org.webhook_secret

    response = as_role("owner").post("/api/v1/orgs/alpha/rotate-webhook-secret/")

    assert response.status_code == 200
    agency.org.refresh_from_db()
    assert response.json() == {"webhook_secret": agency.org.webhook_secret}
    assert agency.org.webhook_secret != old
    assert AuditEntry.objects.filter(action="organisation.webhook_secret_rotated").count() == 1


@pytest.mark.parametrize("role", ["manager", "responder", "viewer"])
def test_only_owners_rotate_the_secret(as_role, agency, role) -> None:
    old = agency.org.webhook_secret
    assert as_role(role).post("/api/v1/orgs/alpha/rotate-webhook-secret/").status_code == 403
    agency.org.refresh_from_db()
    assert agency.org.webhook_secret == old


def test_an_outsider_cannot_rotate_the_secret(api, agency, outsider) -> None:
    old = agency.org.webhook_secret
    response = api(outsider.member("owner").user).post("/api/v1/orgs/alpha/rotate-webhook-secret/")
    assert response.status_code == 404
    agency.org.refresh_from_db()
    assert agency.org.webhook_secret == old


# --- the page ---


def test_the_page_shows_a_rotated_secret_once(client, agency) -> None:
    client.force_login(agency.member("owner").user)

    response = client.post("/o/alpha/settings/webhook-secret/", {"confirm": "yes"}, follow=True)

    agency.org.refresh_from_db()
    assert agency.org.webhook_secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    reload = client.get("/o/alpha/settings/")
    assert agency.org.webhook_secret not in reload.content.decode()


def test_rotating_on_the_page_needs_a_confirmation(client, agency) -> None:
    client.force_login(agency.member("owner").user)
    old = agency.org.webhook_secret

    client.post("/o/alpha/settings/webhook-secret/")

    agency.org.refresh_from_db()
    assert agency.org.webhook_secret == old


def test_the_page_refuses_a_private_webhook_address_in_both_languages(client, agency) -> None:
    client.force_login(agency.member("owner").user)

    english = client.post("/o/alpha/settings/", {"webhook_url": "http://169.254.169.254/"})
    client.cookies["django_language"] = "ru"
    russian = client.post(
        "/o/alpha/settings/", {"webhook_url": "http://localhost/"}, HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert english.status_code == 400
    assert "The host resolves to a link-local address." in english.content.decode()
    assert russian.status_code == 400
    assert "Имя хоста указывает на сам этот сервер (loopback)." in russian.content.decode()
    agency.org.refresh_from_db()
    assert agency.org.webhook_url == ""


def test_the_page_saves_a_public_webhook_address(client, agency, resolver) -> None:
    resolver["hooks.example.com"] = ["93.184.216.34"]
    client.force_login(agency.member("owner").user)

    response = client.post("/o/alpha/settings/", {"webhook_url": "https://hooks.example.com/h"})

    assert response.status_code == 302
    agency.org.refresh_from_db()
    assert agency.org.webhook_url == "https://hooks.example.com/h"


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_the_page_is_for_owners(client, agency, role) -> None:
    client.force_login(agency.member(role).user)
    assert client.get("/o/alpha/settings/").status_code == 403
