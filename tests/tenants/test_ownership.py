"""Data ownership: export all of it (streamed), delete (locks at once), purge after grace."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services as incident_services
from incidents.events import NOTE
from tenants.models import AuditEntry, Organisation
from tenants.ownership import organisation_purge, tenant_models
from tenants.tasks import organisation_purge_run

pytestmark = pytest.mark.django_db


def populate(agency) -> None:
    incident = incident_services.incident_create(
        brand=agency.brand,
        title=f"{agency.org.slug} incident",
        severity="sev2",
        by=None,
        teams=[agency.team],
    )
    incident_services.event_record(
        incident=incident, kind=NOTE, actor=None, payload={"text": "note"}
    )


def test_owner_exports_everything_of_the_organisation_and_nothing_else(
    as_role, agency, outsider
) -> None:
    populate(agency)
    populate(outsider)
    response = as_role("owner").get("/api/v1/orgs/alpha/export/")
    assert response.status_code == 200
    assert response.streaming
    document = json.loads(b"".join(response.streaming_content))
    assert document["organisation"]["slug"] == "alpha"
    assert document["counts"]["incidents.Incident"] == 1
    assert document["counts"]["incidents.IncidentEvent"] == 2
    assert len(document["data"]["tenants.Membership"]) == 4
    for label, rows in document["data"].items():
        assert len(rows) == document["counts"][label]
        assert all(row["organisation_id"] == agency.org.id for row in rows), label
    text = json.dumps(document)
    assert "ingest_secret" not in text and agency.brand.ingest_secret not in text
    assert AuditEntry.objects.filter(
        organisation=agency.org, action="organisation.exported"
    ).exists()


@pytest.mark.parametrize("role", ["manager", "responder", "viewer"])
def test_only_owners_export_or_delete(as_role, agency, role) -> None:
    client = as_role(role)
    assert client.get("/api/v1/orgs/alpha/export/").status_code == 403
    assert client.delete("/api/v1/orgs/alpha/").status_code == 403
    agency.org.refresh_from_db()
    assert agency.org.deleted_at is None


def test_delete_locks_access_at_once(as_role, agency) -> None:
    response = as_role("owner").delete("/api/v1/orgs/alpha/")
    assert response.status_code == 202
    assert response.json()["purge_after"]
    for role in ("owner", "viewer"):
        assert as_role(role).get("/api/v1/orgs/alpha/").status_code == 404
        assert as_role(role).get("/api/v1/orgs/alpha/incidents/").status_code == 404
    assert as_role("owner").get("/api/v1/orgs/").json()["results"] == []


def test_purge_removes_every_row_after_the_grace_period_and_touches_no_other(
    agency, outsider
) -> None:
    populate(agency)
    populate(outsider)
    before = {m: m.objects.filter(organisation=outsider.org).count() for m in tenant_models()}
    Organisation.objects.filter(pk=agency.org.pk).update(
        deleted_at=timezone.now() - timedelta(days=1)
    )
    assert organisation_purge_run() == 0  # still within the grace period
    Organisation.objects.filter(pk=agency.org.pk).update(
        deleted_at=timezone.now() - timedelta(days=31)
    )
    assert organisation_purge_run() == 1
    assert organisation_purge(organisation_id=agency.org.pk) is False  # idempotent
    assert not Organisation.objects.filter(pk=agency.org.pk).exists()
    for model in tenant_models():
        assert not model.objects.filter(organisation_id=agency.org.pk).exists(), model
        assert model.objects.filter(organisation=outsider.org).count() == before[model], model
    assert before[tenant_models()[0]] >= 0
