"""Reads of the incidents app, scoped to the member's organisation and brands."""

from incidents.selectors.incidents import (
    event_list,
    event_replay,
    incident_filter_assigned_to,
    incident_filter_open,
    incident_list,
    incident_rows,
    incident_rows_with_teams,
    response_time_metrics,
    visible_incident_filter,
)
from incidents.selectors.mentions import (
    brand_for_ingest,
    mention_list,
    mention_stats,
    monitoring_rule_list,
)

__all__ = [
    "brand_for_ingest",
    "event_list",
    "event_replay",
    "incident_filter_assigned_to",
    "incident_filter_open",
    "incident_list",
    "incident_rows",
    "incident_rows_with_teams",
    "mention_list",
    "mention_stats",
    "monitoring_rule_list",
    "response_time_metrics",
    "visible_incident_filter",
]
