"""Issue 14, problem 4: one JSON parser for every JSON endpoint (crisisdesk/core/jsonbody.py),
with a depth and a size limit, answering the API's JSON error shape for 400 and 413."""

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from crisisdesk.core.jsonbody import JSONRefused, json_parse
from incidents.monitoring.models import Mention, MonitoringRule

pytestmark = pytest.mark.django_db

MENTIONS = "/api/v1/orgs/alpha/mentions/"
NESTED_5000 = b"[" * 5000 + b"]" * 5000


def post(client: APIClient, path: str, body: bytes, **extra: str) -> object:
    return client.generic("POST", path, body, content_type="application/json", **extra)


@pytest.fixture
def responder(agency) -> APIClient:
    client = APIClient()
    client.force_authenticate(agency.member("manager").user)
    return client


def rules_path(agency) -> str:
    return f"/api/v1/orgs/alpha/brands/{agency.brand.id}/rules/"


@pytest.mark.parametrize("endpoint", ["mentions", "rules"])
def test_a_body_nested_5000_deep_is_400_json(agency, responder, endpoint: str) -> None:
    path = MENTIONS if endpoint == "mentions" else rules_path(agency)

    response = post(responder, path, NESTED_5000)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON nested deeper than 20 levels.",
        "code": "parse_error",
    }
    assert not Mention.objects.exists() and not MonitoringRule.objects.exists()


def test_21_levels_are_refused_and_20_are_parsed() -> None:
    assert json_parse(b"[" * 20 + b"]" * 20) == json.loads("[" * 20 + "]" * 20)
    with pytest.raises(JSONRefused, match="deeper than 20"):
        json_parse(b"[" * 21 + b"]" * 21)


@pytest.mark.parametrize("endpoint", ["mentions", "rules"])
def test_a_30_mb_body_is_413_json(agency, responder, endpoint: str) -> None:
    path = MENTIONS if endpoint == "mentions" else rules_path(agency)
    body = json.dumps([{"brand": agency.brand.id, "text": "x" * 30_000_000}]).encode()

    response = post(responder, path, body)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The body is larger than 10 MiB.",
        "code": "too_large",
        "limit": 10 * 1024 * 1024,
    }
    assert not Mention.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_the_limit_is_the_setting(agency, responder) -> None:
    response = post(responder, MENTIONS, b"[" + b" " * 1000 + b"]")

    assert response.status_code == 413
    assert response.json()["detail"] == "The body is larger than 1000 bytes."


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"[NaN]", "Malformed JSON"),
        (b'{"a": Infinity}', "Malformed JSON"),
        (b"[" + b"9" * 5000 + b"]", "Malformed JSON"),
        (b"\xff[]", "The body is not valid UTF-8."),
        (b"[{", "Malformed JSON"),
    ],
    ids=["nan", "infinity", "5000-digit-int", "not-utf8", "truncated"],
)
def test_what_is_not_json_is_400_json(responder, body: bytes, detail: str) -> None:
    response = post(responder, MENTIONS, body)

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith(detail)


def test_the_errors_are_in_the_members_language(responder) -> None:
    deep = post(responder, MENTIONS, NESTED_5000, HTTP_ACCEPT_LANGUAGE="ru")
    large = post(
        responder, MENTIONS, b"[" + b" " * 11 * 1024 * 1024 + b"]", HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert deep.json()["detail"] == "JSON вложен глубже 20 уровней."
    assert large.json()["detail"] == "Тело запроса больше 10 МиБ."


def test_a_valid_body_still_parses(agency, responder) -> None:
    response = post(
        responder,
        rules_path(agency),
        json.dumps({"name": "Отравление", "keywords": ["отравление"]}).encode(),
    )

    assert response.status_code == 201
