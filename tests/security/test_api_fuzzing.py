"""Schemathesis over the whole OpenAPI schema, as an owner of one organisation: no 5xx, and
every documented response matches its schema. A bounded number of examples per operation
keeps it inside the CI budget; the seed is fixed so a failure reproduces."""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tenants.tokens import api_token_issue
from tests.factories import BrandFactory, IncidentFactory, MembershipFactory, OrganisationFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # The plain WSGI handler closes the database connection after each request, which would
    # end the test's transaction; Django's test client detaches the same signal handlers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def owner_token(db: None) -> str:
    organisation = OrganisationFactory(name="Fuzz", slug="fuzz")
    brand = BrandFactory(organisation=organisation)
    IncidentFactory(brand=brand)
    owner = MembershipFactory(organisation=organisation, role="owner", user__username="fuzz-owner")
    return api_token_issue(user=owner.user)[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_fuzzing(case: schemathesis.Case, owner_token: str) -> None:
    if "org_slug" in (case.path_parameters or {}):
        case.path_parameters["org_slug"] = "fuzz"  # the owner's own organisation
    case.call_and_validate(
        headers={"Authorization": f"Token {owner_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
