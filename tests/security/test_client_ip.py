"""Issue 13, hole 4: throttles trusted any X-Forwarded-For. One function, client_ip(), decides
the address from TRUSTED_PROXY_COUNT for the throttles, the login lockout and the audit.

`test_rotating_forwarded_for_does_not_escape_the_token_throttle` fails on the previous code:
DRF keyed anonymous throttles by the whole X-Forwarded-For header, so 30 of 30 passed."""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from crisisdesk.core.client_ip import client_ip
from tenants.models import AuditEntry
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _request(forwarded: str | None, peer: str = "198.51.100.1") -> object:
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "198.51.100.1"),  # no trusted proxy: the header is ignored
        (0, None, "198.51.100.1"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the right-most, written by our proxy
        (1, "203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer than the proxies: the left-most
        (1, None, "198.51.100.1"),  # not through the proxy at all
        (1, "not-an-address", "198.51.100.1"),
        (1, "6.6.6.6, 203.0.113.7:4711", "203.0.113.7"),
        (1, "[2001:db8::5]:443", "2001:db8::5"),
    ],
)
def test_client_ip_believes_only_the_trusted_proxies(settings, count, forwarded, expected) -> None:
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(forwarded)) == expected


def _token_statuses(forwarded_for: list[str]) -> list[int]:
    UserFactory(username="boris")
    client = APIClient()
    return [
        client.post(
            "/api/v1/auth/token/",
            {"username": "boris", "password": PASSWORD},
            format="json",
            HTTP_X_FORWARDED_FOR=address,
        ).status_code
        for address in forwarded_for
    ]


def test_rotating_forwarded_for_does_not_escape_the_token_throttle(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0

    statuses = _token_statuses([f"203.0.113.{n}" for n in range(30)])

    assert statuses == [200] * 20 + [429] * 10


def test_behind_one_proxy_the_right_most_address_counts(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    # The client forges the left part; our proxy appends the same real address each time.
    forged = _token_statuses([f"10.9.9.{n}, 203.0.113.50" for n in range(30)])
    assert forged == [200] * 20 + [429] * 10


def test_behind_one_proxy_different_clients_have_their_own_budget(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    assert _token_statuses([f"203.0.113.{n}" for n in range(30)]) == [200] * 30


def test_account_creation_is_limited_per_address_over_the_api(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/auth/register/",
            {"username": f"u{n}", "email": f"u{n}@example.com", "password": "Kr1zis-Desk-2026"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(12)
    ]
    assert statuses == [201] * 10 + [429] * 2


def test_account_creation_is_limited_per_address_on_the_page(client, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = []
    for n in range(12):
        response = client.post(
            "/signup/",
            {
                "username": f"p{n}",
                "email": f"p{n}@example.com",
                "password1": "Kr1zis-Desk-2026",
                "password2": "Kr1zis-Desk-2026",
            },
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        statuses.append(response.status_code)
        client.logout()
    assert statuses == [302] * 10 + [429] * 2
    assert "Retry-After" in response


def test_the_login_lockout_ignores_a_rotating_forwarded_for(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    UserFactory(username="boris")
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "boris", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(7)
    ]
    # The fifth failure locks the username for this address, whatever the header says.
    assert statuses == [400] * 4 + [429] * 3


def test_the_audit_records_the_client_address(as_role, agency, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    as_role("owner").patch(
        "/api/v1/orgs/alpha/",
        {"name": "Alpha Renamed"},
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.77",
    )

    entry = AuditEntry.objects.get(action="organisation.updated")
    assert entry.ip_address == "203.0.113.77"
    listed = as_role("owner").get("/api/v1/orgs/alpha/audit/").json()["results"][0]
    assert listed["ip_address"] == "203.0.113.77"
