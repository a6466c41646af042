"""Fixtures of the web page tests: Django test clients signed in as our agency's members."""

from collections.abc import Callable

import pytest
from django.test import Client

from incidents import services
from incidents.models import Incident


@pytest.fixture
def browser_as(agency) -> Callable[[str], Client]:
    """browser_as(role) → a Django test client signed in as our member of that role."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(
            agency.member(role).user, backend="django.contrib.auth.backends.ModelBackend"
        )
        return client

    return make


@pytest.fixture
def incident(agency) -> Incident:
    """An open incident of our first brand, assigned to our team, with its 'created' event."""
    return services.incident_create(
        brand=agency.brand,
        title="Influencer backlash",
        severity="sev2",
        by=agency.member("manager"),
        teams=[agency.team],
    )


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client
