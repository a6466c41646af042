"""Two applies of the same playbook at once (PostgreSQL, real parallel connections)."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from incidents.models import IncidentEvent
from playbooks.models import IncidentTask
from tests.factories import IncidentFactory, PlaybookFactory

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


def test_two_simultaneous_applies_give_one_checklist_and_one_409(agency) -> None:
    playbook = PlaybookFactory(organisation=agency.org, steps=4)

    def apply(role: str, url: str):
        def call() -> int:
            client = APIClient()
            client.force_authenticate(agency.member(role).user)
            return client.post(url, {"playbook": playbook.id}, format="json").status_code

        return call

    for _ in range(3):  # a race is a race: try it a few times on fresh incidents
        incident = IncidentFactory(brand=agency.brand)
        url = f"/api/v1/orgs/alpha/incidents/{incident.id}/apply-playbook/"
        statuses = run_in_parallel([apply("responder", url), apply("manager", url)])
        assert sorted(statuses) == [201, 409]
        assert IncidentTask.objects.filter(incident=incident).count() == 4
        assert IncidentEvent.objects.filter(incident=incident, kind="playbook_applied").count() == 1
