"""The registry of timeline event kinds (incidents.events): every kind declared once, with its
visibility, its sentence in both languages and its key-event flag; event_record refuses a kind
nobody declared."""

import re
from typing import Any

import pytest
from django.utils import translation

from incidents.events import (
    NOTE,
    SLA_BREACHED,
    EventKind,
    UnknownEventKind,
    event_detail_for,
    event_kind,
    event_kinds,
    event_kinds_register,
    event_sentence_for,
    key_event_kinds,
    key_event_label,
)
from incidents.models import IncidentEvent, Visibility
from incidents.services.lifecycle import event_record
from tests.factories import IncidentFactory

TEAMS = {7: "Дежурные"}

# A payload of each kind, as its writer records it. A new kind needs its example here: the
# test below renders every registered kind.
EXAMPLES: dict[str, dict[str, Any]] = {
    "created": {"title": "Сбой", "severity": "sev2", "is_drill": True},
    "acknowledged": {"from": "detected", "to": "acknowledged", "tta_seconds": 600},
    "status_changed": {"from": "acknowledged", "to": "responding"},
    "severity_changed": {"from": "sev3", "to": "sev1"},
    "updated": {"fields": ["заголовок"], "title": "Сбой"},
    "assigned": {"teams": [7], "commander_name": "Ольга"},
    "note": {"text": "Звонили"},
    "sla_breached": {"kind": "acknowledge", "severity": "sev1", "target_minutes": 15},
    "escalation_notified": {"level": 1, "member_name": "Ольга", "channels": ["почта"]},
    "escalation_climbed": {"level": 2, "round": 1},
    "escalation_deferred": {"until": "2026-01-01T08:00:00+03:00", "level": 1},
    "escalation_stopped": {"reason": "acknowledged", "level": 1, "round": 0},
    "mention_linked": {"count": 3, "mentions": [1, 2, 3], "rule": {"id": 1, "name": "Жалобы"}},
    "postmortem_drafted": {"postmortem": 1, "is_drill": False},
    "postmortem_submitted": {"postmortem": 1},
    "postmortem_changes_requested": {"postmortem": 1, "comments": "Подробнее"},
    "postmortem_approved": {"postmortem": 1},
    "playbook_applied": {"playbook": 1, "name": "Отзыв", "task_count": 4},
    "task_done": {"task": 1, "title": "Ответить", "late": True},
    "task_reopened": {"task": 1, "title": "Ответить"},
    "task_assigned": {"task": 1, "title": "Ответить", "assignee_name": "Ольга"},
    "response_drafted": {"response": 5, "channel": "vk"},
    "response_submitted": {"response": 5, "channel": "vk"},
    "response_approved": {"response": 5, "channel": "vk"},
    "response_client_approved": {"response": 5, "channel": "vk"},
    "response_rejected": {"response": 5, "channel": "vk", "reason": "Резко"},
    "response_published": {"response": 5, "channel": "vk", "url": "https://vk.com/wall1"},
    "response_deleted": {"response": 5, "channel": "vk"},
    "response_escalated": {"response": 5, "channel": "vk"},
}

# The visibility defaults as they stood before the registry (incidents.models.EVENT_KINDS).
CLIENT_KINDS = {
    "created",
    "acknowledged",
    "status_changed",
    "severity_changed",
    "sla_breached",
    "response_client_approved",
    "response_published",
    "postmortem_approved",
}
# Terms a Russian sentence keeps in Latin letters (the severities read "SEV1 — критический").
LATIN_TERMS = {"SLA", "SEV"}


def _values(payload: Any) -> list[str]:
    if isinstance(payload, dict):
        return [v for item in payload.values() for v in _values(item)]
    if isinstance(payload, list):
        return [v for item in payload for v in _values(item)]
    return [str(payload)]


def test_every_registered_kind_has_an_example() -> None:
    assert {k.name for k in event_kinds()} == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_kind_reads_as_a_sentence_in_english_and_russian(name: str) -> None:
    payload = EXAMPLES[name]
    with translation.override("en"):
        english = event_sentence_for(name, payload, TEAMS)
    with translation.override("ru"):
        russian = event_sentence_for(name, payload, TEAMS)

    for sentence in (english, russian):
        assert sentence.strip()
        assert sentence != name.replace("_", " ")  # the fallback of an undeclared kind
        assert not re.search(r"[a-z]+_[a-z]+", sentence)  # no raw kind or payload key
    assert russian != english
    without_values = russian
    for value in sorted(_values(payload), key=len, reverse=True):
        without_values = without_values.replace(value, "")
    latin = set(re.findall(r"[A-Za-z]{2,}", without_values)) - LATIN_TERMS
    assert latin == set(), russian


@pytest.mark.parametrize("name", sorted(key_event_kinds()))
def test_key_event_labels_are_translated(name: str) -> None:
    with translation.override("ru"):
        label = key_event_label(name)
    assert re.search("[А-Яа-я]", label), label


def test_the_key_events_are_those_the_post_mortem_kept() -> None:
    assert set(key_event_kinds()) == {
        "created",
        "acknowledged",
        "status_changed",
        "severity_changed",
        "response_published",
        "sla_breached",
        "playbook_applied",
    }


def test_the_visibility_defaults_are_unchanged() -> None:
    client = {k.name for k in event_kinds() if k.visibility == Visibility.CLIENT}
    assert client == CLIENT_KINDS


def test_details_show_the_text_the_kind_carries() -> None:
    assert event_detail_for("note", {"text": "Звонили"}) == "Звонили"
    assert event_detail_for("response_rejected", {"reason": "Резко"}) == "Резко"
    assert event_detail_for("response_published", {"url": "https://x.test/1"}) == (
        "https://x.test/1"
    )
    assert event_detail_for("created", EXAMPLES["created"]) == ""


def test_an_undeclared_kind_of_an_old_row_reads_as_its_name() -> None:
    assert event_sentence_for("legacy_kind", {}, {}) == "legacy kind"
    assert event_detail_for("legacy_kind", {}) == ""


def test_a_kind_declared_twice_differently_is_refused() -> None:
    note = event_kind("note")
    event_kinds_register(note)  # the same declaration again: nothing changes

    with pytest.raises(ValueError):
        event_kinds_register(EventKind("note", dict, Visibility.CLIENT, note.sentence))
    assert event_kind("note") is note


@pytest.mark.django_db
def test_event_record_refuses_an_undeclared_kind() -> None:
    incident = IncidentFactory()

    made_up = EventKind("made_up", dict, Visibility.INTERNAL, NOTE.sentence)
    # the same name and fields as a declared kind, but not the registered declaration
    copy = EventKind(NOTE.name, NOTE.payload, NOTE.visibility, NOTE.sentence, NOTE.detail)

    with pytest.raises(UnknownEventKind):
        event_record(incident=incident, kind=made_up, actor=None, payload={})
    with pytest.raises(UnknownEventKind):
        event_record(incident=incident, kind=copy, actor=None, payload={"text": "x"})
    assert not IncidentEvent.objects.all_tenants().filter(incident=incident).exists()


@pytest.mark.django_db
def test_event_record_takes_the_kinds_visibility() -> None:
    incident = IncidentFactory()

    event = event_record(incident=incident, kind=SLA_BREACHED, actor=None, payload={})
    note = event_record(incident=incident, kind=NOTE, actor=None, payload={"text": "x"})

    assert (event.visibility, note.visibility) == (Visibility.CLIENT, Visibility.INTERNAL)
