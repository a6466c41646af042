"""Detection: a spike or a keyword opens exactly one incident; later matches link to it."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from incidents.models import Incident, IncidentEvent
from incidents.monitoring.models import Mention, MentionBucket
from incidents.monitoring.services import mention_ingest, volume_rules_evaluate
from incidents.monitoring.tasks import spike_detection_run
from incidents.services import incident_acknowledge, incident_transition
from tests.factories import IncidentFactory, MonitoringRuleFactory

NOW = datetime(2025, 3, 10, 12, 0, 30, tzinfo=UTC)


def negatives(count: int, *, start: int = 0, minutes_ago: int = 1, prefix: str = "n") -> list:
    return [
        {
            "platform": "vk",
            "external_id": f"{prefix}{i}",
            "text": f"Ужасный кофе, отвратительный сервис #{i}",
            "posted_at": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
        }
        for i in range(start, start + count)
    ]


def positive(external_id: str) -> dict:
    return {
        "platform": "vk",
        "external_id": external_id,
        "text": "Спасибо, очень вкусный кофе!",
        "posted_at": (NOW - timedelta(minutes=1)).isoformat(),
    }


@pytest.fixture
def spike_rule(agency):
    agency.brand.default_teams.set([agency.team])
    return MonitoringRuleFactory(
        brand=agency.brand,
        name="Negative spike",
        window_minutes=15,
        min_negative=10,
        multiplier=3,
        severity="sev2",
    )


@pytest.mark.django_db
def test_a_spike_crossing_opens_exactly_one_incident_and_later_mentions_link_to_it(
    agency, spike_rule, django_capture_on_commit_callbacks
) -> None:
    below = mention_ingest(brand=agency.brand, items=negatives(9), now=NOW)
    assert below.incidents_opened == []
    assert not Incident.objects.exists()

    crossing = mention_ingest(brand=agency.brand, items=[*negatives(1, start=9)], now=NOW)

    incident = Incident.objects.get()
    assert crossing.incidents_opened == [incident.id]
    assert (incident.status, incident.source, incident.severity) == (
        "detected",
        "monitoring",
        "sev2",
    )
    assert incident.monitoring_rule == spike_rule
    assert incident.detected_at == NOW
    assert list(incident.teams.all()) == [agency.team]  # the brand's default teams
    assert incident.mentions.count() == 10  # the window's negatives, the cause
    created, linked = IncidentEvent.objects.filter(incident=incident).order_by("id")
    assert created.kind == "created"
    assert linked.kind == "mention_linked"
    assert linked.payload["count"] == 10
    assert linked.payload["rule"] == {"id": spike_rule.id, "name": "Negative spike"}
    assert linked.payload["reason"] == "volume"
    assert linked.payload["window_negative"] == 10

    later = mention_ingest(
        brand=agency.brand, items=[*negatives(3, start=10), positive("p1")], now=NOW
    )

    assert Incident.objects.count() == 1
    assert later.incidents_opened == []
    assert later.incidents_linked == [incident.id]
    assert incident.mentions.count() == 13
    assert Mention.objects.get(external_id="p1").incident_id is None  # not negative
    batch_event = IncidentEvent.objects.filter(incident=incident).last()
    assert batch_event.kind == "mention_linked"
    assert batch_event.payload["count"] == 3  # one event for the whole batch
    assert sorted(batch_event.payload["mentions"]) == sorted(
        Mention.objects.filter(external_id__in=["n10", "n11", "n12"]).values_list("id", flat=True)
    )


@pytest.mark.django_db
def test_the_baseline_multiplier_holds_back_a_brand_that_is_always_noisy(
    agency, spike_rule
) -> None:
    # 5 negative mentions per 15-minute window on average over the past week.
    MentionBucket.objects.create(
        organisation=agency.org,
        brand=agency.brand,
        bucket_start=NOW.replace(second=0) - timedelta(days=2),
        total=4000,
        negative=5 * 7 * 24 * 4,
    )

    mention_ingest(brand=agency.brand, items=negatives(14), now=NOW)
    assert not Incident.objects.exists()  # 14 < 3 × 5

    mention_ingest(brand=agency.brand, items=negatives(1, start=14), now=NOW)
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_only_the_window_counts(agency, spike_rule) -> None:
    mention_ingest(brand=agency.brand, items=negatives(9, minutes_ago=40, prefix="old"), now=NOW)
    mention_ingest(brand=agency.brand, items=negatives(9), now=NOW)

    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_another_brands_mentions_do_not_count(agency, spike_rule) -> None:
    mention_ingest(brand=agency.other_brand, items=negatives(30), now=NOW)

    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_a_keyword_opens_an_incident_by_itself(agency) -> None:
    rule = MonitoringRuleFactory(
        brand=agency.brand,
        name="Poisoning",
        keywords=["отравление", "lawsuit"],
        min_negative=None,
        severity="sev1",
    )
    post = {
        "platform": "telegram",
        "external_id": "k1",
        "text": "У троих гостей отравления после дегустации",
        "posted_at": (NOW - timedelta(minutes=3)).isoformat(),
    }

    result = mention_ingest(brand=agency.brand, items=[post, positive("p1")], now=NOW)

    incident = Incident.objects.get()
    assert result.incidents_opened == [incident.id]
    assert (incident.severity, incident.monitoring_rule) == ("sev1", rule)
    assert "отравление" in incident.title
    assert list(incident.mentions.values_list("external_id", flat=True)) == ["k1"]
    event = incident.events.get(kind="mention_linked")
    assert event.payload["keywords"] == ["отравление"]
    assert event.payload["reason"] == "keyword"

    second = mention_ingest(
        brand=agency.brand,
        items=[{**post, "external_id": "k2", "text": "We are filing a lawsuit"}],
        now=NOW,
    )

    assert second.incidents_linked == [incident.id]
    assert Incident.objects.count() == 1
    assert incident.mentions.count() == 2


@pytest.mark.django_db
def test_a_keyword_in_an_old_post_flags_it_but_opens_nothing(agency) -> None:
    MonitoringRuleFactory(brand=agency.brand, keywords=["отравление"], min_negative=None)

    mention_ingest(
        brand=agency.brand,
        items=[
            {
                "platform": "news",
                "external_id": "archive",
                "text": "Отравление в 2019 году",
                "posted_at": "2019-05-01T10:00:00Z",
            }
        ],
        now=NOW,
    )

    assert Mention.objects.get().flagged
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_a_resent_keyword_mention_does_not_reopen_a_resolved_incident(agency) -> None:
    MonitoringRuleFactory(brand=agency.brand, keywords=["отравление"], min_negative=None)
    post = {
        "platform": "vk",
        "external_id": "k1",
        "text": "Отравление!",
        "posted_at": (NOW - timedelta(minutes=1)).isoformat(),
    }
    incident = Incident.objects.get(
        pk=mention_ingest(brand=agency.brand, items=[post], now=NOW).incidents_opened[0]
    )
    responder = agency.member("responder")
    incident_acknowledge(incident=incident, by=responder)
    incident_transition(incident=incident, status="resolved", by=responder)

    again = mention_ingest(brand=agency.brand, items=[post], now=NOW)

    assert again.incidents_opened == []
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_a_spike_does_not_swallow_the_incident_a_keyword_rule_opened(agency, spike_rule) -> None:
    """Each rule's trigger links to its own incident (crises kept apart, issue 17): the
    keyword's mention stays with the keyword's incident, the spike opens its own."""
    keyword_rule = MonitoringRuleFactory(
        brand=agency.brand, keywords=["отравил"], min_negative=None, severity="sev1"
    )
    burst = negatives(12)
    burst[0]["text"] = "Отравился вашим кофе, ужасно"

    result = mention_ingest(brand=agency.brand, items=burst, now=NOW)

    keyword_incident = Incident.objects.get(monitoring_rule=keyword_rule)
    spike_incident = Incident.objects.get(monitoring_rule=spike_rule)
    assert result.incidents_opened == [keyword_incident.id, spike_incident.id]
    assert keyword_incident.mentions.count() == 1
    assert spike_incident.mentions.count() == 11
    reasons = [
        (e.incident_id, e.payload["reason"], e.payload["count"])
        for e in IncidentEvent.objects.filter(kind="mention_linked").order_by("id")
    ]
    assert reasons == [(keyword_incident.id, "keyword", 1), (spike_incident.id, "volume", 11)]


@pytest.mark.django_db
def test_a_new_spike_after_resolution_opens_a_new_incident(agency, spike_rule) -> None:
    first = mention_ingest(brand=agency.brand, items=negatives(10), now=NOW).incidents_opened
    incident = Incident.objects.get(pk=first[0])
    manager = agency.member("manager")
    incident_acknowledge(incident=incident, by=manager)
    incident_transition(incident=incident, status="resolved", by=manager)

    later = NOW + timedelta(hours=1)
    again = mention_ingest(
        brand=agency.brand,
        items=[
            {**m, "posted_at": (later - timedelta(minutes=1)).isoformat()}
            for m in negatives(10, prefix="second")
        ],
        now=later,
    )

    assert len(again.incidents_opened) == 1
    assert again.incidents_opened != first


@pytest.mark.django_db
def test_an_open_drill_does_not_absorb_a_spike(agency, spike_rule) -> None:
    IncidentFactory(brand=agency.brand, is_drill=True, monitoring_rule=spike_rule)
    IncidentFactory(brand=agency.brand, is_drill=True)  # a manual drill

    result = mention_ingest(brand=agency.brand, items=negatives(10), now=NOW)

    assert len(result.incidents_opened) == 1


@pytest.mark.django_db
def test_an_inactive_rule_never_fires(agency, spike_rule) -> None:
    spike_rule.active = False
    spike_rule.save()

    mention_ingest(brand=agency.brand, items=negatives(20), now=NOW)
    assert volume_rules_evaluate(now=NOW).opened == []
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_the_periodic_run_catches_a_build_up_and_runs_twice_as_once(agency) -> None:
    # The mentions arrived before the rule existed: no ingest crossed anything.
    mention_ingest(brand=agency.brand, items=negatives(12), now=NOW)
    rule = MonitoringRuleFactory(brand=agency.brand, min_negative=10, window_minutes=15)

    first = volume_rules_evaluate(now=NOW)
    second = volume_rules_evaluate(now=NOW)

    incident = Incident.objects.get()
    assert first.opened == [incident.id]
    assert second.opened == second.linked == []  # nothing new to link
    assert incident.monitoring_rule == rule
    assert incident.mentions.count() == 12


@pytest.mark.django_db
def test_the_spike_detection_task_runs_the_periodic_pass(agency) -> None:
    now = timezone.now()
    items = [{**m, "posted_at": (now - timedelta(minutes=2)).isoformat()} for m in negatives(11)]
    mention_ingest(brand=agency.brand, items=items, now=now)
    MonitoringRuleFactory(brand=agency.brand, min_negative=10)

    outcome = spike_detection_run.delay().get()

    assert len(outcome["opened"]) == 1
    assert Incident.objects.filter(source="monitoring").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_crossing_ingests_open_one_incident(agency, spike_rule) -> None:
    mention_ingest(brand=agency.brand, items=negatives(8), now=NOW)
    barrier = threading.Barrier(2)
    results: list = []
    errors: list = []

    def ingest(prefix: str) -> None:
        try:
            barrier.wait()
            results.append(
                mention_ingest(brand=agency.brand, items=negatives(4, prefix=prefix), now=NOW)
            )
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest, args=(p,)) for p in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Incident.objects.count() == 1
    incident = Incident.objects.get()
    assert sorted(len(r.incidents_opened) for r in results) == [0, 1]
    assert incident.mentions.count() == 16  # both batches and the earlier 8
