"""Writes of the incidents app, one module per use-case family.

lifecycle: create, acknowledge, transition, update, assign, notes, the event recorder.
mentions: ingest (sentiment, bulk upsert, counters); mention_items: one item's validation;
signed_ingest: signed-request verification.
detection: keyword and volume rules that open or link incidents; rule CRUD.
notifications: SLA escalation, email and signed webhooks.
"""

from incidents.services.detection import (
    monitoring_rule_create,
    monitoring_rule_delete,
    monitoring_rule_update,
    volume_rules_evaluate,
)
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
from incidents.services.mentions import (
    IngestResult,
    TooManyItems,
    mention_ingest,
    mention_ingest_for_member,
)
from incidents.services.notifications import (
    notification_send,
    signature_header,
    sla_breaches_check,
)
from incidents.services.signed_ingest import SignatureRefused, ingest_signature_verify

__all__ = [
    "IngestResult",
    "SignatureRefused",
    "TooManyItems",
    "TransitionRefused",
    "event_record",
    "incident_acknowledge",
    "incident_add_note",
    "incident_assign",
    "incident_create",
    "incident_record_first_response",
    "incident_transition",
    "incident_update",
    "ingest_signature_verify",
    "mention_ingest",
    "mention_ingest_for_member",
    "monitoring_rule_create",
    "monitoring_rule_delete",
    "monitoring_rule_update",
    "notification_send",
    "signature_header",
    "sla_breaches_check",
    "volume_rules_evaluate",
]
