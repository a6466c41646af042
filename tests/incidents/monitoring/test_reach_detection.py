"""Detection that weighs reach: one negative post above a rule's reach threshold opens an
incident by itself (the influencer case); below it, or positive, it opens nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from incidents.monitoring.services import mention_ingest, monitoring_rule_create

pytestmark = pytest.mark.django_db

ANGRY = "Ужасный сервис, отвратительно, больше никогда, верните деньги"


def post(external_id: str, reach: int, text: str = ANGRY, **extra) -> dict:
    return {
        "platform": "vk",
        "external_id": external_id,
        "text": text,
        "author": "Блогер",
        "reach": reach,
        "posted_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        **extra,
    }


@pytest.fixture
def reach_rule(agency):
    return monitoring_rule_create(
        brand=agency.brand,
        by=agency.member("manager"),
        name="Influencer",
        min_reach=100_000,
        severity="sev1",
    )


def test_one_loud_negative_post_opens_an_incident_by_itself(agency, reach_rule) -> None:
    result = mention_ingest(brand=agency.brand, items=[post("quiet", 500), post("loud", 250_000)])
    assert len(result.incidents_opened) == 1
    incident = Incident.objects.get(pk=result.incidents_opened[0])
    assert incident.severity == "sev1" and incident.monitoring_rule_id == reach_rule.id
    assert "250\xa0000" in incident.title  # the brand's language: ru (Brand.language)
    assert list(incident.mentions.values_list("external_id", flat=True)) == ["loud"]
    # A second loud post links to the same incident.
    again = mention_ingest(brand=agency.brand, items=[post("loud-2", 300_000)])
    assert again.incidents_opened == [] and again.incidents_linked == [incident.id]


def test_below_the_threshold_or_not_negative_opens_nothing(agency, reach_rule) -> None:
    kind = "Спасибо, отличный сервис, всё прекрасно"
    result = mention_ingest(
        brand=agency.brand, items=[post("small", 99_999), post("happy", 1_000_000, text=kind)]
    )
    assert result.incidents_opened == [] and not Incident.objects.exists()


def test_an_old_loud_post_opens_nothing(agency, reach_rule) -> None:
    old = post("old", 500_000, posted_at=(timezone.now() - timedelta(days=3)).isoformat())
    assert mention_ingest(brand=agency.brand, items=[old]).incidents_opened == []


def test_the_api_takes_a_reach_only_rule(as_role, agency) -> None:
    url = f"/api/v1/orgs/alpha/brands/{agency.brand.id}/rules/"
    created = as_role("manager").post(url, {"name": "Reach", "min_reach": 50_000}, format="json")
    assert created.status_code == 201 and created.json()["min_reach"] == 50_000
    refused = as_role("manager").post(url, {"name": "Nothing"}, format="json")
    assert refused.status_code == 400
    assert (
        as_role("manager").post(url, {"name": "x", "min_reach": 0}, format="json").status_code
        == 400
    )
