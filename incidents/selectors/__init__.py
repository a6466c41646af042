"""Reads of the incidents app, scoped to the member's organisation and brands."""

from incidents.selectors.incidents import (
    event_list,
    event_replay,
    incident_filter_assigned_to,
    incident_filter_open,
    incident_list,
    response_time_metrics,
    visible_incident_filter,
)

__all__ = [
    "event_list",
    "event_replay",
    "incident_filter_assigned_to",
    "incident_filter_open",
    "incident_list",
    "response_time_metrics",
    "visible_incident_filter",
]
