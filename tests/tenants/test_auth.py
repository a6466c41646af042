import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tenants.models import WebSocketTicket
from tenants.services import ws_ticket_issue, ws_ticket_redeem
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_register_creates_a_user() -> None:
    response = APIClient().post(
        "/api/v1/auth/register/",
        {"username": "anna", "email": "anna@example.com", "password": "Kr1zis-Desk-2026"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["username"] == "anna"
    assert get_user_model().objects.get(username="anna").check_password("Kr1zis-Desk-2026")


def test_register_applies_password_validators() -> None:
    response = APIClient().post(
        "/api/v1/auth/register/",
        {"username": "anna", "email": "anna@example.com", "password": "12345"},
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not get_user_model().objects.filter(username="anna").exists()


def test_register_refuses_a_duplicate_username_naming_the_field() -> None:
    UserFactory(username="anna")
    response = APIClient().post(
        "/api/v1/auth/register/",
        {"username": "anna", "email": "other@example.com", "password": "Kr1zis-Desk-2026"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == ["username"]
    assert body["detail"].startswith("username:")


def test_token_login_and_token_authentication() -> None:
    UserFactory(username="boris")
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "boris", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "boris"


def test_token_login_refuses_a_wrong_password() -> None:
    UserFactory(username="boris")
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "boris", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_session_cookie_authenticates_too() -> None:
    user = UserFactory(username="vera")
    client = APIClient()
    client.force_login(user)
    assert client.get("/api/v1/me/").json()["username"] == "vera"


def test_me_lists_memberships_of_several_organisations(agency, outsider, api) -> None:
    user = agency.member("manager").user
    outsider.org.memberships.create(user=user, role="viewer")
    body = api(user).get("/api/v1/me/").json()
    assert {(m["organisation"]["slug"], m["role"]) for m in body["memberships"]} == {
        ("alpha", "manager"),
        ("omega", "viewer"),
    }


def test_anonymous_gets_401() -> None:
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_ws_ticket_is_single_use(api) -> None:
    user = UserFactory()
    response = api(user).post("/api/v1/ws-ticket/")
    assert response.status_code == 201
    ticket = response.json()["ticket"]
    assert ws_ticket_redeem(token=ticket) == user
    assert ws_ticket_redeem(token=ticket) is None


def test_ws_ticket_expires() -> None:
    from datetime import timedelta

    from django.utils import timezone

    user = UserFactory()
    ticket = ws_ticket_issue(by=user)
    WebSocketTicket.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ws_ticket_redeem(token=ticket) is None


def test_ws_ticket_needs_authentication() -> None:
    assert APIClient().post("/api/v1/ws-ticket/").status_code == 401


def test_repeated_failed_logins_lock_the_account_out() -> None:
    UserFactory(username="carol")
    client = APIClient()
    for _ in range(5):
        response = client.post(
            "/api/v1/auth/token/", {"username": "carol", "password": "wrong"}, format="json"
        )
        assert response.status_code in (400, 429)
    locked = client.post(
        "/api/v1/auth/token/", {"username": "carol", "password": PASSWORD}, format="json"
    )
    assert locked.status_code == 429
    assert "token" not in locked.json()
    assert int(locked["Retry-After"]) > 0
    # another user from the same address is not locked out
    UserFactory(username="dave")
    assert (
        client.post(
            "/api/v1/auth/token/", {"username": "dave", "password": PASSWORD}, format="json"
        ).status_code
        == 200
    )
