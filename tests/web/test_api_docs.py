"""The API documentation: every operation of the generated schema has a resource tag, a
summary, its error responses in the one error shape, and examples; the schema validates."""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from crisisdesk.openapi import TAG_DESCRIPTIONS

METHODS = {"get", "post", "put", "patch", "delete"}
ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_schema_has_the_whole_api(schema) -> None:
    assert len(_operations(schema)) > 130


def test_every_operation_has_a_resource_tag_and_a_summary(schema) -> None:
    untagged = [
        f"{m} {p}"
        for m, p, op in _operations(schema)
        if not op.get("tags") or op["tags"][0] not in TAG_DESCRIPTIONS
    ]
    unsummarised = [f"{m} {p}" for m, p, op in _operations(schema) if not op.get("summary")]
    assert untagged == []
    assert unsummarised == []


def test_summaries_are_short_and_distinct(schema) -> None:
    summaries = [op["summary"] for _, _, op in _operations(schema)]
    assert [s for s in summaries if len(s) > 80] == []
    assert len(set(summaries)) == len(summaries)


def test_every_operation_documents_its_errors_with_examples(schema) -> None:
    problems = []
    for method, path, op in _operations(schema):
        errors = {code: r for code, r in op["responses"].items() if code >= "400"}
        if not any(code < "500" for code in errors):
            problems.append(f"{method} {path}: no 4xx response")
        for code, response in errors.items():
            content = response.get("content", {}).get("application/json", {})
            if content.get("schema", {}).get("$ref") != ERROR_REF:
                problems.append(f"{method} {path} {code}: not the error shape")
            if not content.get("examples"):
                problems.append(f"{method} {path} {code}: no example")
            if not response.get("description"):
                problems.append(f"{method} {path} {code}: no description")
    assert problems == []


def test_errors_follow_what_the_view_does(schema) -> None:
    paths = schema["paths"]
    # An organisation's resource: a non-member gets 404, a role too low 403, no token 401.
    incidents = paths["/api/v1/orgs/{org_slug}/incidents/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "413", "429", "503"} <= set(incidents)
    assert "responder" in incidents["403"]["description"]
    # Public endpoints: no 401/403.
    reset = paths["/api/v1/auth/password-reset/"]["post"]["responses"]
    assert "401" not in reset and "403" not in reset
    # State refusals are 409 where a service raises them, with the view's own description.
    approve = paths["/api/v1/orgs/{org_slug}/postmortems/{id}/approve/"]["post"]["responses"]
    assert "in review" in approve["409"]["description"]
    example = next(iter(approve["409"]["content"]["application/json"]["examples"].values()))
    assert example["value"]["code"] == "conflict"
    # A read without filters refuses no input.
    assert "400" not in paths["/api/v1/orgs/{org_slug}/incidents/{id}/"]["get"]["responses"]


def test_the_tags_are_declared_with_descriptions(schema) -> None:
    declared = {tag["name"]: tag["description"] for tag in schema["tags"]}
    used = {op["tags"][0] for _, _, op in _operations(schema)}
    assert used == set(declared)
    assert {"incidents", "mentions", "responses", "postmortems", "telegram"} <= used
    assert all(declared.values())


def test_the_error_examples_match_the_handler(client) -> None:
    """The documented 401 and 404 bodies are what the API answers."""
    response = client.get("/api/v1/orgs/nowhere/incidents/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_spectacular_validates_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert yaml.safe_load(out.read_text())["info"]["title"] == "CrisisDesk API"


def test_composed_permissions_are_read_for_the_401() -> None:
    """`AllowAny | X` lets anyone through; `X & AllowAny` and `~AllowAny` do not (a composed
    permission is no class: issubclass raised TypeError on it)."""
    from rest_framework.permissions import AllowAny, IsAuthenticated

    from crisisdesk.openapi import _allows_anyone

    assert _allows_anyone(AllowAny)
    assert not _allows_anyone(IsAuthenticated)
    assert _allows_anyone(AllowAny | IsAuthenticated)
    assert _allows_anyone(IsAuthenticated | AllowAny)
    assert not _allows_anyone(IsAuthenticated & AllowAny)
    assert _allows_anyone(AllowAny & AllowAny)
    assert not _allows_anyone(~AllowAny)
