"""Row locks under real parallel connections (PostgreSQL)."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from incidents.models import IncidentEvent
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


def test_two_simultaneous_acknowledgements_give_one_event_and_one_409(agency) -> None:
    incident = IncidentFactory(brand=agency.brand)
    url = f"/api/v1/orgs/alpha/incidents/{incident.id}/acknowledge/"

    def acknowledge(role: str):
        def call() -> int:
            client = APIClient()
            client.force_authenticate(agency.member(role).user)
            return client.post(url).status_code

        return call

    for _ in range(3):  # a race is a race: try it a few times on fresh incidents
        statuses = run_in_parallel([acknowledge("responder"), acknowledge("manager")])
        assert sorted(statuses) == [200, 409]
        assert IncidentEvent.objects.filter(incident=incident, kind="acknowledged").count() == 1
        incident = IncidentFactory(brand=agency.brand)
        url = f"/api/v1/orgs/alpha/incidents/{incident.id}/acknowledge/"


def test_the_database_refuses_to_update_or_delete_events(agency) -> None:
    from django.db import DatabaseError, transaction

    from incidents import services

    services.incident_create(brand=agency.brand, title="x", severity="sev2", by=None)
    event = IncidentEvent.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        IncidentEvent.objects.filter(pk=event.pk).update(kind="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        IncidentEvent.objects.filter(pk=event.pk)._raw_delete(IncidentEvent.objects.db)
    assert IncidentEvent.objects.get(pk=event.pk).kind == "created"
