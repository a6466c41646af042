"""Writes of the incident itself: the lifecycle and the event recorder.

The parts write through their own services: `incidents.monitoring.services` (ingest,
detection, rules), `incidents.postmortems.services`, `incidents.notifications.services`.
"""

from incidents.services.lifecycle import (
    TransitionRefused,
    event_record,
    incident_acknowledge,
    incident_add_note,
    incident_assign,
    incident_create,
    incident_record_first_response,
    incident_transition,
    incident_update,
)

__all__ = [
    "TransitionRefused",
    "event_record",
    "incident_acknowledge",
    "incident_add_note",
    "incident_assign",
    "incident_create",
    "incident_record_first_response",
    "incident_transition",
    "incident_update",
]
