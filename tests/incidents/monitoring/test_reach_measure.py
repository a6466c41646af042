"""Detection weighing reach: a volume rule with `measure="reach"` sums the reach of the
negative mentions in its window, against a threshold and a baseline of that same measure."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from incidents.monitoring.models import MentionBucket
from incidents.monitoring.services import (
    mention_ingest,
    mention_labels_apply,
    monitoring_rule_create,
    volume_rules_evaluate,
)

pytestmark = pytest.mark.django_db

ANGRY = "Ужасный сервис, отвратительно, больше никогда, верните деньги"
KIND = "Спасибо, отличный сервис, всё прекрасно"


def post(external_id: str, reach: int, text: str = ANGRY, minutes_ago: float = 1) -> dict:
    return {
        "platform": "vk",
        "external_id": external_id,
        "text": text,
        "author": "Автор",
        "reach": reach,
        "posted_at": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
    }


def reach_rule(agency, **fields):
    return monitoring_rule_create(
        brand=agency.brand,
        by=agency.member("manager"),
        name="Reach spike",
        measure="reach",
        min_negative=100_000,
        multiplier=3.0,
        window_minutes=15,
        **fields,
    )


def test_a_few_loud_negative_posts_cross_a_reach_threshold(agency) -> None:
    rule = reach_rule(agency)
    first = mention_ingest(brand=agency.brand, items=[post("a", 40_000), post("b", 40_000)])
    assert first.incidents_opened == []  # 80,000 < 100,000

    second = mention_ingest(brand=agency.brand, items=[post("c", 30_000)])

    assert len(second.incidents_opened) == 1
    incident = Incident.objects.get(pk=second.incidents_opened[0])
    assert incident.monitoring_rule_id == rule.id
    # In the brand's language (ru, the factory's first), grouped as Russian groups digits.
    assert "негативного охвата" in incident.title and "110\xa0000" in incident.title
    assert sorted(incident.mentions.values_list("external_id", flat=True)) == ["a", "b", "c"]
    event = incident.events.get(kind="mention_linked")
    assert event.payload["measure"] == "reach" and event.payload["window_negative"] == 110_000


def test_many_quiet_negative_posts_do_not_cross_a_reach_threshold(agency) -> None:
    reach_rule(agency)
    # A mentions rule with min_negative=5 would fire on these; a reach rule does not.
    items = [post(f"quiet-{i}", 1_000) for i in range(50)]
    assert mention_ingest(brand=agency.brand, items=items).incidents_opened == []
    assert not Incident.objects.exists()


def test_positive_reach_counts_for_nothing(agency) -> None:
    reach_rule(agency)
    result = mention_ingest(brand=agency.brand, items=[post("happy", 5_000_000, text=KIND)])
    assert result.incidents_opened == []
    bucket = MentionBucket.objects.get(brand=agency.brand)
    assert (bucket.total, bucket.negative, bucket.negative_reach) == (1, 0, 0)


def test_the_baseline_is_in_reach_too(agency) -> None:
    reach_rule(agency)
    # Two days ago: 672 windows of 15 min in 7 days; 134,400,000 / 672 = 200,000 per window.
    mention_ingest(brand=agency.brand, items=[post("old", 134_400_000, minutes_ago=2 * 24 * 60)])
    result = mention_ingest(brand=agency.brand, items=[post("now", 500_000)])
    assert result.incidents_opened == []  # 500,000 < 3 x 200,000
    crossed = mention_ingest(brand=agency.brand, items=[post("more", 150_000)])
    assert len(crossed.incidents_opened) == 1  # 650,000 >= 600,000


def test_the_periodic_pass_weighs_reach(agency) -> None:
    rule = reach_rule(agency)
    rule.active = False
    rule.save(update_fields=["active"])
    mention_ingest(brand=agency.brand, items=[post("a", 60_000), post("b", 60_000)])
    assert not Incident.objects.exists()
    rule.active = True
    rule.save(update_fields=["active"])

    outcome = volume_rules_evaluate()

    assert len(outcome.opened) == 1
    assert Incident.objects.get().monitoring_rule_id == rule.id


def test_a_correction_moves_the_reach_counter(agency) -> None:
    mention_ingest(brand=agency.brand, items=[post("a", 70_000), post("b", 20_000)])
    bucket = MentionBucket.objects.get(brand=agency.brand)
    assert bucket.negative_reach == 90_000
    mention = agency.brand.mentions.get(external_id="a")
    mention_labels_apply(
        by=agency.member("responder"),
        items=[{"id": mention.id, "sentiment": "neutral"}],
    )
    bucket.refresh_from_db()
    assert (bucket.negative, bucket.negative_reach) == (1, 20_000)


def test_the_api_takes_the_measure_and_refuses_an_unknown_one(as_role, agency) -> None:
    url = f"/api/v1/orgs/alpha/brands/{agency.brand.id}/rules/"
    created = as_role("manager").post(
        url, {"name": "Reach", "measure": "reach", "min_negative": 2_000_000}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["measure"] == "reach" and created.json()["min_negative"] == 2_000_000
    default = as_role("manager").post(url, {"name": "Posts", "min_negative": 5}, format="json")
    assert default.json()["measure"] == "mentions"
    refused = as_role("manager").post(
        url, {"name": "x", "measure": "likes", "min_negative": 5}, format="json"
    )
    assert refused.status_code == 400 and "measure" in str(refused.json())


def test_another_organisation_cannot_set_our_rules_measure(api, agency, outsider) -> None:
    rule = reach_rule(agency)
    url = f"/api/v1/orgs/alpha/brands/{agency.brand.id}/rules/{rule.id}/"
    response = api(outsider.member("owner").user).patch(url, {"measure": "mentions"}, format="json")
    assert response.status_code == 404
    rule.refresh_from_db()
    assert rule.measure == "reach"


def test_the_web_form_adds_a_reach_rule_shown_in_russian(agency, client) -> None:
    client.force_login(agency.member("manager").user)
    response = client.post(
        f"/o/alpha/brands/{agency.brand.pk}/rules/new/",
        {
            "name": "Охват",
            "keywords": "",
            "window_minutes": 30,
            "measure": "reach",
            "min_negative": 250000,
            "multiplier": 2,
            "severity": "sev2",
        },
    )
    assert response.status_code == 302
    rule = agency.brand.monitoring_rules.get(name="Охват")
    assert (rule.measure, rule.min_negative) == ("reach", 250_000)
    page = client.get(f"/o/alpha/brands/{agency.brand.pk}/", HTTP_ACCEPT_LANGUAGE="ru")
    assert "негативного охвата за 30 мин" in page.content.decode()
