"""Races on responses (PostgreSQL, real parallel connections)."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from incidents.models import Incident, IncidentEvent, Status
from templates import services
from tests.factories import IncidentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_parallel(calls: list) -> list:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index: int, call) -> None:
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _approved(agency, incident):
    responder, manager = agency.member("responder"), agency.member("manager")
    response = services.response_create(incident=incident, by=responder, channel="x", body="Sorry.")
    services.response_submit(response=response, by=responder)
    return services.response_approve(response=response, by=manager)


def _post(agency, role: str, url: str, data: dict):
    def call() -> int:
        client = APIClient()
        client.force_authenticate(agency.member(role).user)
        return client.post(url, data, format="json").status_code

    return call


def test_two_responses_published_at_once_set_first_response_at_once(agency) -> None:
    for _ in range(3):
        incident = IncidentFactory(brand=agency.brand, status=Status.RESPONDING)
        first, second = _approved(agency, incident), _approved(agency, incident)
        base = f"/api/v1/orgs/alpha/incidents/{incident.id}/responses/"
        statuses = run_in_parallel(
            [
                _post(
                    agency,
                    "responder",
                    f"{base}{first.id}/publish/",
                    {"url": "https://vk.com/wall-1_1"},
                ),
                _post(
                    agency,
                    "manager",
                    f"{base}{second.id}/publish/",
                    {"url": "https://vk.com/wall-1_2"},
                ),
            ]
        )
        assert statuses == [200, 200]
        published = IncidentEvent.objects.filter(incident=incident, kind="response_published")
        flags = sorted(e.payload["first_response"] for e in published)
        assert flags == [False, True]
        winner = next(e for e in published if e.payload["first_response"])
        assert (
            Incident.objects.get(pk=incident.pk)
            .first_response_at.isoformat()
            .replace("+00:00", "Z")
            == winner.payload["published_at"]
        )


def test_two_approvals_at_once_give_one_approval(agency) -> None:
    incident = IncidentFactory(brand=agency.brand, status=Status.RESPONDING)
    responder = agency.member("responder")
    response = services.response_create(incident=incident, by=responder, channel="x", body="Sorry.")
    services.response_submit(response=response, by=responder)
    url = f"/api/v1/orgs/alpha/incidents/{incident.id}/responses/{response.id}/approve/"

    statuses = run_in_parallel([_post(agency, "manager", url, {}), _post(agency, "owner", url, {})])

    assert sorted(statuses) == [200, 409]
    assert IncidentEvent.objects.filter(incident=incident, kind="response_approved").count() == 1
