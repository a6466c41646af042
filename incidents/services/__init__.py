"""Writes of the incidents app, one module per use-case family.

lifecycle: create, acknowledge, transition, update, assign, notes, the event recorder.
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
