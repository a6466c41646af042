"""The OpenAPI schema answers in the encoding ?format asks for."""

import json

import pytest

pytestmark = pytest.mark.django_db


def test_format_json_answers_json(client) -> None:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    assert json.loads(response.content)["info"]["title"] == "CrisisDesk API"


def test_without_a_format_the_schema_stays_yaml(client) -> None:
    response = client.get("/api/schema/")
    assert response.content.startswith(b"openapi: ")
