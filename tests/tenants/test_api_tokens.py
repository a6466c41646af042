"""Issue 13, hole 6 (tokens): API tokens never expired and could not be revoked. Now they are
knox tokens: one per device, stored as a digest, expiring, listed and revoked by their user.

`test_logout_revokes_the_presented_token` and the list/revoke tests fail on the previous code
(no such endpoints; one shared token per user)."""

import hashlib
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from tenants.models import ApiToken
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(username: str, device: str = "") -> dict:
    body = {"username": username, "password": PASSWORD}
    if device:
        body["name"] = device
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def client_for(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_expires_and_is_stored_only_as_a_digest() -> None:
    UserFactory(username="boris")

    issued = sign_in("boris", "laptop")

    expiry = parse_datetime(issued["expiry"])
    assert timedelta(days=29) < expiry - timezone.now() <= timedelta(days=30)
    row = ApiToken.objects.get()
    assert row.digest == hashlib.sha512(issued["token"].encode()).hexdigest()
    assert str(row.public_id) == issued["id"]
    assert issued["token"] not in {row.digest, row.token_key, row.name}
    assert client_for(issued["token"]).get("/api/v1/me/").status_code == 200


def test_each_sign_in_is_a_device_of_its_own_and_listed_without_the_token() -> None:
    UserFactory(username="boris")
    laptop, phone = sign_in("boris", "laptop"), sign_in("boris", "phone")

    listed = client_for(phone["token"]).get("/api/v1/auth/tokens/")

    assert listed.status_code == 200
    rows = listed.json()
    assert [(r["name"], r["current"]) for r in rows] == [("phone", True), ("laptop", False)]
    assert {r["id"] for r in rows} == {laptop["id"], phone["id"]}
    assert laptop["token"] not in listed.content.decode()
    assert phone["token"] not in listed.content.decode()


def test_logout_revokes_the_presented_token() -> None:
    UserFactory(username="boris")
    laptop, phone = sign_in("boris", "laptop"), sign_in("boris", "phone")

    assert client_for(laptop["token"]).post("/api/v1/auth/logout/").status_code == 204

    assert client_for(laptop["token"]).get("/api/v1/me/").status_code == 401
    assert client_for(phone["token"]).get("/api/v1/me/").status_code == 200


def test_a_user_revokes_another_of_their_tokens() -> None:
    UserFactory(username="boris")
    laptop, phone = sign_in("boris", "laptop"), sign_in("boris", "phone")

    response = client_for(phone["token"]).delete(f"/api/v1/auth/tokens/{laptop['id']}/")

    assert response.status_code == 204
    assert client_for(laptop["token"]).get("/api/v1/me/").status_code == 401


def test_another_users_token_cannot_be_revoked() -> None:
    UserFactory(username="boris")
    UserFactory(username="carol")
    boris, carol = sign_in("boris"), sign_in("carol")

    response = client_for(carol["token"]).delete(f"/api/v1/auth/tokens/{boris['id']}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client_for(boris["token"]).get("/api/v1/me/").status_code == 200
    assert [r["id"] for r in client_for(carol["token"]).get("/api/v1/auth/tokens/").json()] == [
        carol["id"]
    ]


def test_an_expired_token_is_refused() -> None:
    UserFactory(username="boris")
    issued = sign_in("boris")
    ApiToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    assert client_for(issued["token"]).get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.exists()  # deleted when presented


def test_token_endpoints_need_a_token() -> None:
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401
    assert APIClient().get("/api/v1/auth/tokens/").status_code == 401


def test_a_websocket_ticket_is_issued_to_a_token() -> None:
    UserFactory(username="boris")
    response = client_for(sign_in("boris")["token"]).post("/api/v1/ws-ticket/")
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor refuses an open transaction
def test_tokens_of_the_previous_store_keep_working_hashed() -> None:
    """The migration from rest_framework.authtoken: an old key authenticates, its plaintext
    table is gone."""
    user = UserFactory(username="boris")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, "
            "user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [old_key, timezone.now(), user.id],
        )
    migration = import_module("tenants.migrations.0004_api_tokens")
    with connection.schema_editor() as editor:
        migration.tokens_from_authtoken(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert client_for(old_key).get("/api/v1/me/").json()["username"] == "boris"
    assert ApiToken.objects.get().name == "migrated"
