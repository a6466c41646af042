"""Writes of monitoring, one module per use-case family.

ingest: sentiment, bulk upsert, counters; items: one item's validation;
signed_ingest: the signed endpoint's exactly-once check.
detection: keyword and volume rules that open or link incidents; rule CRUD.
alerts: telling managers that monitoring opened an incident.
labels: staff's sentiment corrections; sentiment_model: the organisation model they train.
"""

from incidents.monitoring.services.detection import (
    monitoring_rule_create,
    monitoring_rule_delete,
    monitoring_rule_update,
    volume_rules_evaluate,
)
from incidents.monitoring.services.ingest import (
    IngestResult,
    TooManyItems,
    mention_ingest,
    mention_ingest_for_member,
    mention_ingest_signed,
)
from incidents.monitoring.services.labels import mention_labels_apply
from incidents.monitoring.services.sentiment_model import (
    sentiment_model_request,
    sentiment_model_train,
)
from incidents.monitoring.services.signed_ingest import ingest_signature_verify

__all__ = [
    "IngestResult",
    "TooManyItems",
    "ingest_signature_verify",
    "mention_ingest",
    "mention_ingest_for_member",
    "mention_ingest_signed",
    "mention_labels_apply",
    "monitoring_rule_create",
    "monitoring_rule_delete",
    "monitoring_rule_update",
    "sentiment_model_request",
    "sentiment_model_train",
    "volume_rules_evaluate",
]
