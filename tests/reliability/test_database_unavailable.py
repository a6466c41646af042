"""Issue 14, problem 6, in-process: a database that cannot be reached answers 503 with
Retry-After — the JSON error under /api/ (DRF views), a short page in the visitor's language
elsewhere (views and middleware alike) — never a 500. The real outage, a private PostgreSQL
restarted under 50 clients, is test_database_outage.py."""

from collections.abc import Callable

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

MESSAGE = "The database is unavailable for a moment. Try again in a few seconds."


@pytest.fixture
def database_down(monkeypatch) -> Callable[[], None]:
    def down() -> None:
        def refuse(self: BaseDatabaseWrapper, *args: object, **kwargs: object) -> None:
            raise OperationalError("connection refused")

        monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)

    return down


def test_an_api_request_is_503_json_with_retry_after(agency, database_down) -> None:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(agency.member("viewer").user)
    database_down()

    response = client.get("/api/v1/orgs/alpha/incidents/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": MESSAGE, "code": "unavailable"}


def test_an_api_request_by_token_is_503_before_authentication_succeeds(
    agency, database_down
) -> None:
    # The token lookup itself needs the database: the error is met in authentication.
    client = APIClient(raise_request_exception=False)
    database_down()

    response = client.get("/api/v1/orgs/alpha/incidents/", HTTP_AUTHORIZATION="Token abc")

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Temporarily unavailable"), ("ru", "Временно недоступно")]
)
def test_a_page_of_a_signed_in_member_is_a_short_503_page(
    agency, database_down, language: str, title: str
) -> None:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(agency.member("viewer").user)
    database_down()  # the session lookup in the middleware is the first to fail

    response = client.get("/o/alpha/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert title in response.content.decode()


def test_the_russian_api_message(agency, database_down) -> None:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(agency.member("viewer").user)
    database_down()

    response = client.get("/api/v1/orgs/alpha/incidents/", HTTP_ACCEPT_LANGUAGE="ru")

    assert response.json()["detail"] == (
        "База данных ненадолго недоступна. Повторите через несколько секунд."
    )


def test_other_errors_stay_500(agency, monkeypatch) -> None:
    from incidents.api import views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.IncidentViewSet, "list", broken)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(agency.member("viewer").user)

    response = client.get("/api/v1/orgs/alpha/incidents/")

    assert response.status_code == 500
    assert response.json() == {"detail": "Server error.", "code": "error"}
