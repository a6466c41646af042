"""Demo incidents in varied states, each with the timeline its services wrote."""

from datetime import datetime, timedelta

from django.contrib.auth.models import User

from incidents import services
from incidents.models import Incident
from tenants.models import Brand, Membership, Organisation

DEMO_INCIDENTS = [
    # brand slug, title, severity, minutes ago detected, statuses to walk through
    ("severny-kofe", "Отравление после дегустации: волна жалоб во ВКонтакте", "sev1", 25, []),
    ("aurora-bank", "App outage: customers cannot log in", "sev2", 90, ["acknowledged"]),
    ("volna-telecom", "Жалобы на списания за роуминг", "sev3", 300, ["acknowledged", "responding"]),
    (
        "aurora-bank",
        "Influencer ad backlash after offensive remark",
        "sev2",
        2000,
        ["acknowledged", "responding", "monitoring", "resolved"],
    ),
]


# Alike postmortems/demo.py:seed on purpose: demo data written out, each incident its own.
def seed(*, organisation: Organisation, users: dict[str, User], now: datetime) -> None:
    """Create the demo incidents once (skipped when the organisation already has incidents)."""
    if Incident.objects.filter(organisation=organisation).exists():
        return
    responder = users["demo-responder"]
    membership = Membership.objects.get(organisation=organisation, user=responder)
    manager = Membership.objects.get(organisation=organisation, user=users["demo-manager"])
    for slug, title, severity, minutes, statuses in DEMO_INCIDENTS:
        brand = Brand.objects.get(organisation=organisation, slug=slug)
        incident = services.incident_create(
            brand=brand,
            title=title,
            severity=severity,
            by=manager,
            summary="",
            detected_at=now - timedelta(minutes=minutes),
        )
        for status in statuses:
            incident = services.incident_transition(incident=incident, status=status, by=membership)
        if statuses:
            services.incident_add_note(
                incident=incident, by=membership, text="Facts confirmed with the client's team."
            )
