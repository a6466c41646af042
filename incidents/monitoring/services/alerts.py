"""What monitoring tells people: an incident it opened by itself."""

from incidents.models import Incident
from incidents.monitoring.models import MonitoringRule
from incidents.notifications.services import incident_data, notification_send


def incident_detected_notify(*, incident: Incident, rule: MonitoringRule, reason: str) -> None:
    """Tell managers that monitoring opened an incident by itself. Inside its transaction."""
    organisation = incident.organisation
    notification_send(
        organisation=organisation,
        event_type="incident.detected",
        subject=f"[CrisisDesk] {incident.severity.upper()} detected: {incident.title}",
        message=(
            f"Monitoring opened incident #{incident.id} for {incident.brand.name}.\n\n"
            f"{incident.summary}\n\nRule: {rule.name} ({reason})."
        ),
        data={"incident": incident_data(incident), "rule": {"id": rule.id, "name": rule.name}},
    )
