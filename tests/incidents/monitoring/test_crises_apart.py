"""Crises kept apart: new mentions link to the open incident they belong to (the incident of
the rule that fired, or a manual incident of the brand that staff opened first), so two
concurrent crises of one brand stay two incidents."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.models import Incident, IncidentEvent
from incidents.monitoring.services import mention_ingest
from incidents.services import incident_acknowledge, incident_create, incident_transition
from tests.factories import MonitoringRuleFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 10, 12, 0, 30, tzinfo=UTC)


def post(external_id: str, text: str, minutes_ago: int = 1) -> dict:
    return {
        "platform": "telegram",
        "external_id": external_id,
        "text": text,
        "posted_at": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
    }


def recall_posts(start: int, count: int) -> list[dict]:
    return [
        post(f"recall-{i}", f"Отравился вашим йогуртом, ужасно #{i}")
        for i in range(start, start + count)
    ]


def star_posts(start: int, count: int) -> list[dict]:
    return [
        post(f"star-{i}", f"Реклама с Киркоровым отвратительна #{i}")
        for i in range(start, start + count)
    ]


@pytest.fixture
def rules(agency):
    recall = MonitoringRuleFactory(
        brand=agency.brand, name="Recall", keywords=["отравил"], min_negative=None, severity="sev1"
    )
    star = MonitoringRuleFactory(
        brand=agency.brand, name="Ad", keywords=["киркоров"], min_negative=None, severity="sev2"
    )
    return recall, star


def linked(incident: Incident) -> list[str]:
    return sorted(incident.mentions.values_list("external_id", flat=True))


def staff_incident(agency, title: str = "Staff saw it first", **extra) -> Incident:
    return incident_create(
        brand=agency.brand,
        title=title,
        severity="sev2",
        by=agency.member("responder"),
        detected_at=NOW - timedelta(minutes=30),
        **extra,
    )


def test_two_concurrent_crises_of_one_brand_stay_apart(agency, rules) -> None:
    recall, star = rules
    first = mention_ingest(brand=agency.brand, items=recall_posts(0, 2), now=NOW)
    second = mention_ingest(brand=agency.brand, items=star_posts(0, 2), now=NOW)

    recall_incident = Incident.objects.get(monitoring_rule=recall)
    star_incident = Incident.objects.get(monitoring_rule=star)
    assert first.incidents_opened == [recall_incident.id]
    assert second.incidents_opened == [star_incident.id]
    assert (recall_incident.severity, star_incident.severity) == ("sev1", "sev2")

    # Later posts of both crises, in one batch, each go to their own incident.
    later = mention_ingest(brand=agency.brand, items=recall_posts(2, 3) + star_posts(2, 1), now=NOW)

    assert later.incidents_opened == []
    assert sorted(later.incidents_linked) == sorted([recall_incident.id, star_incident.id])
    assert linked(recall_incident) == [f"recall-{i}" for i in range(5)]
    assert linked(star_incident) == [f"star-{i}" for i in range(3)]
    assert Incident.objects.count() == 2


def test_a_manual_incident_staff_opened_first_takes_the_rules_mentions(agency, rules) -> None:
    recall, star = rules
    manual = staff_incident(agency)

    result = mention_ingest(brand=agency.brand, items=recall_posts(0, 2), now=NOW)

    assert result.incidents_opened == [] and result.incidents_linked == [manual.id]
    manual.refresh_from_db()
    assert manual.source == "manual" and manual.monitoring_rule_id == recall.id
    assert linked(manual) == ["recall-0", "recall-1"]
    event = IncidentEvent.objects.get(incident=manual, kind="mention_linked")
    assert event.payload["claimed"] is True and event.payload["rule"]["id"] == recall.id
    # The rule's later posts follow it there; another crisis does not.
    mention_ingest(brand=agency.brand, items=recall_posts(2, 1), now=NOW)
    other = mention_ingest(brand=agency.brand, items=star_posts(0, 1), now=NOW)
    assert linked(manual) == ["recall-0", "recall-1", "recall-2"]
    assert len(other.incidents_opened) == 1
    assert Incident.objects.get(pk=other.incidents_opened[0]).monitoring_rule_id == star.id


def test_the_first_opened_manual_incident_is_the_one_claimed(agency, rules) -> None:
    first = staff_incident(agency, "First")
    second = incident_create(
        brand=agency.brand,
        title="Second",
        severity="sev3",
        by=agency.member("responder"),
        detected_at=NOW - timedelta(minutes=10),
    )

    mention_ingest(brand=agency.brand, items=recall_posts(0, 1), now=NOW)

    assert linked(first) == ["recall-0"] and linked(second) == []


def test_the_rules_own_incident_comes_before_a_manual_one_opened_later(agency, rules) -> None:
    _recall, _star = rules
    opened = mention_ingest(brand=agency.brand, items=recall_posts(0, 1), now=NOW)
    manual = staff_incident(agency, "Opened after monitoring")

    mention_ingest(brand=agency.brand, items=recall_posts(1, 1), now=NOW)

    own = Incident.objects.get(pk=opened.incidents_opened[0])
    assert linked(own) == ["recall-0", "recall-1"] and linked(manual) == []


def test_a_resolved_manual_incident_or_a_drill_is_not_claimed(agency, rules) -> None:
    resolved = staff_incident(agency, "Over")
    manager = agency.member("manager")
    incident_acknowledge(incident=resolved, by=manager)
    incident_transition(incident=resolved, status="resolved", by=manager)
    drill = staff_incident(agency, "Practice", is_drill=True)

    result = mention_ingest(brand=agency.brand, items=recall_posts(0, 1), now=NOW)

    assert len(result.incidents_opened) == 1
    assert linked(resolved) == [] and linked(drill) == []


def test_another_brands_or_organisations_manual_incident_is_never_claimed(
    agency, outsider, rules
) -> None:
    other_brand = incident_create(
        brand=agency.other_brand, title="Other brand", severity="sev2", by=None
    )
    other_org = incident_create(
        brand=outsider.brand, title="Other agency", severity="sev2", by=None
    )

    result = mention_ingest(brand=agency.brand, items=recall_posts(0, 1), now=NOW)

    assert len(result.incidents_opened) == 1
    for incident in (other_brand, other_org):
        incident.refresh_from_db()
        assert incident.monitoring_rule_id is None and linked(incident) == []


def test_a_spike_below_its_threshold_claims_nothing(agency) -> None:
    MonitoringRuleFactory(brand=agency.brand, name="Spike", min_negative=10, multiplier=1)
    manual = staff_incident(agency)

    mention_ingest(brand=agency.brand, items=star_posts(0, 5), now=NOW)

    manual.refresh_from_db()
    assert manual.monitoring_rule_id is None and linked(manual) == []
    crossed = mention_ingest(brand=agency.brand, items=star_posts(5, 5), now=NOW)
    assert crossed.incidents_opened == [] and crossed.incidents_linked == [manual.id]
    assert len(linked(manual)) == 10
