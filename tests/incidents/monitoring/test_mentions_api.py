"""Org API of monitoring: mentions (list, filters, bulk POST), brand rules, incident stats."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from incidents.monitoring.models import Mention, MentionBucket, MonitoringRule
from incidents.monitoring.services import mention_ingest
from tests.factories import (
    IncidentFactory,
    MembershipFactory,
    MentionFactory,
    MonitoringRuleFactory,
)

pytestmark = pytest.mark.django_db

MENTIONS = "/api/v1/orgs/alpha/mentions/"


def post_item(brand_id: int, external_id: str, **overrides: object) -> dict:
    return {
        "brand": brand_id,
        "platform": "vk",
        "external_id": external_id,
        "text": "Спасибо за отличный кофе",
        "posted_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        **overrides,
    }


# --- list ---


def test_a_mention_lists_with_every_field(as_role, agency) -> None:
    incident = IncidentFactory(brand=agency.brand)
    mention = MentionFactory(
        brand=agency.brand,
        platform="telegram",
        external_id="tg-1",
        author="anna",
        text="Ужасно",
        url="https://t.me/c/1",
        language="ru",
        posted_at=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        reach=120,
        sentiment_score=-0.6,
        sentiment_label="negative",
        incident=incident,
        flagged=True,
        matched_keywords=["ужас"],
    )

    body = as_role("viewer").get(MENTIONS).json()

    assert body["results"] == [
        {
            "id": mention.id,
            "brand": agency.brand.id,
            "platform": "telegram",
            "external_id": "tg-1",
            "author": "anna",
            "text": "Ужасно",
            "url": "https://t.me/c/1",
            "language": "ru",
            "posted_at": "2025-03-01T09:00:00Z",
            "reach": 120,
            "sentiment_score": -0.6,
            "sentiment_label": "negative",
            "sentiment_source": "default",
            "incident": incident.id,
            "flagged": True,
            "matched_keywords": ["ужас"],
        }
    ]


def test_the_list_filters(as_role, agency) -> None:
    incident = IncidentFactory(brand=agency.brand)
    at = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    a = MentionFactory(brand=agency.brand, platform="vk", sentiment_label="negative", posted_at=at)
    b = MentionFactory(
        brand=agency.brand,
        platform="x",
        text="Coffee LAWSUIT filed",
        posted_at=at + timedelta(hours=1),
        incident=incident,
    )
    c = MentionFactory(brand=agency.other_brand, platform="vk", posted_at=at + timedelta(hours=2))
    client = as_role("viewer")

    def ids(query: str) -> list[int]:
        response = client.get(f"{MENTIONS}?{query}")
        assert response.status_code == 200, response.json()
        return [m["id"] for m in response.json()["results"]]

    assert ids("") == [c.id, b.id, a.id]  # newest first
    assert ids(f"brand={agency.brand.id}") == [b.id, a.id]
    assert ids("platform=vk") == [c.id, a.id]
    assert ids("sentiment=negative") == [a.id]
    assert ids(f"incident={incident.id}") == [b.id]
    assert ids("unlinked=true") == [c.id, a.id]
    assert ids("unlinked=false") == [b.id]
    assert ids("q=lawsuit") == [b.id]
    assert ids("posted_after=2025-03-01T12:30:00Z") == [c.id, b.id]
    assert ids("posted_before=2025-03-01T13:00:00Z") == [a.id]
    assert client.get(f"{MENTIONS}?sentiment=angry").status_code == 400


def test_the_list_is_cursor_paginated(as_role, agency) -> None:
    for _ in range(5):
        MentionFactory(brand=agency.brand)
    client = as_role("viewer")

    first = client.get(f"{MENTIONS}?page_size=3").json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 3
    assert len(second["results"]) == 2
    assert "cursor=" in first["next"]
    assert second["next"] is None


def test_the_list_costs_the_same_queries_at_any_size(
    as_role, agency, django_assert_max_num_queries
) -> None:
    incident = IncidentFactory(brand=agency.brand)
    MentionFactory(brand=agency.brand)
    client = as_role("viewer")
    with django_assert_max_num_queries(4) as small:
        client.get(MENTIONS)
    for _ in range(40):
        MentionFactory(brand=agency.brand, incident=incident)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(MENTIONS)

    assert len(response.json()["results"]) == 41


def test_a_brand_limited_member_sees_only_their_brands_mentions(api, agency) -> None:
    ours = MentionFactory(brand=agency.brand)
    MentionFactory(brand=agency.other_brand)
    client_staff = MembershipFactory(organisation=agency.org, role="viewer")
    client_staff.brands.set([agency.brand])

    body = api(client_staff.user).get(MENTIONS).json()

    assert [m["id"] for m in body["results"]] == [ours.id]


def test_an_outsider_gets_404_on_every_monitoring_endpoint(api, agency, outsider) -> None:
    incident = IncidentFactory(brand=agency.brand)
    rule = MonitoringRuleFactory(brand=agency.brand)
    MentionFactory(brand=agency.brand)
    client = api(outsider.member("owner").user)
    rules = f"/api/v1/orgs/alpha/brands/{agency.brand.id}/rules/"

    responses = [
        client.get(MENTIONS),
        client.post(MENTIONS, [post_item(agency.brand.id, "x")], format="json"),
        client.get(rules),
        client.post(rules, {"name": "x", "keywords": ["a"]}, format="json"),
        client.get(f"{rules}{rule.id}/"),
        client.patch(f"{rules}{rule.id}/", {"active": False}, format="json"),
        client.delete(f"{rules}{rule.id}/"),
        client.get(f"/api/v1/orgs/alpha/incidents/{incident.id}/mention-stats/"),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert Mention.objects.count() == 1
    assert MonitoringRule.objects.get().active


def test_our_member_cannot_reach_another_agencys_objects_through_our_slug(
    as_role, agency, outsider
) -> None:
    their_rule = MonitoringRuleFactory(brand=outsider.brand)
    their_incident = IncidentFactory(brand=outsider.brand)
    client = as_role("owner")

    assert client.get(f"/api/v1/orgs/alpha/brands/{outsider.brand.id}/rules/").status_code == 404
    assert (
        client.get(
            f"/api/v1/orgs/alpha/brands/{agency.brand.id}/rules/{their_rule.id}/"
        ).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/orgs/alpha/incidents/{their_incident.id}/mention-stats/").status_code
        == 404
    )


# --- bulk POST ---


def test_a_responder_posts_a_batch(as_role, agency) -> None:
    response = as_role("responder").post(
        MENTIONS,
        [post_item(agency.brand.id, "1"), post_item(agency.other_brand.id, "2")],
        format="json",
    )

    assert response.status_code == 201
    assert response.json() == {
        "created": 2,
        "updated": 0,
        "rejected": [],
        "duplicates": [],
        "incidents_opened": [],
        "incidents_linked": [],
    }
    assert Mention.objects.get(external_id="2").brand == agency.other_brand


def test_posting_the_same_batch_again_answers_200_with_updates(as_role, agency) -> None:
    batch = [post_item(agency.brand.id, "1"), post_item(agency.brand.id, "2")]
    client = as_role("responder")
    client.post(MENTIONS, batch, format="json")

    response = client.post(MENTIONS, batch, format="json")

    assert response.status_code == 200
    assert (response.json()["created"], response.json()["updated"]) == (0, 2)
    assert Mention.objects.count() == 2


def test_a_partially_invalid_batch_stores_the_valid_items(as_role, agency, outsider) -> None:
    batch = [
        post_item(agency.brand.id, "ok"),
        post_item(outsider.brand.id, "theirs"),  # another agency's brand: unknown
        {k: v for k, v in post_item(agency.brand.id, "nobrand").items() if k != "brand"},
        post_item(agency.brand.id, "bad-time", posted_at="soon"),
        7,
    ]

    response = as_role("responder").post(MENTIONS, batch, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["created"] == 1
    assert body["rejected"] == [
        {"index": 1, "field": "brand", "reason": "Unknown brand."},
        {"index": 2, "field": "brand", "reason": "This field is required."},
        {"index": 3, "field": "posted_at", "reason": "Must be an ISO 8601 date-time."},
        {"index": 4, "field": "non_field_errors", "reason": "Must be an object."},
    ]
    assert list(Mention.objects.values_list("external_id", flat=True)) == ["ok"]


def test_a_brand_limited_responder_can_post_only_for_their_brand(api, agency) -> None:
    staff = MembershipFactory(organisation=agency.org, role="responder")
    staff.brands.set([agency.brand])

    body = (
        api(staff.user)
        .post(
            MENTIONS,
            [post_item(agency.brand.id, "1"), post_item(agency.other_brand.id, "2")],
            format="json",
        )
        .json()
    )

    assert body["created"] == 1
    assert body["rejected"] == [{"index": 1, "field": "brand", "reason": "Unknown brand."}]


def test_more_than_1000_mentions_is_413_with_the_limit(as_role, agency) -> None:
    batch = [post_item(agency.brand.id, str(i)) for i in range(1001)]

    response = as_role("responder").post(MENTIONS, batch, format="json")

    assert response.status_code == 413
    assert response.json()["detail"] == "At most 1000 mentions per request."
    assert response.json()["limit"] == 1000
    assert not Mention.objects.exists()


def test_a_body_that_is_not_a_list_is_400(as_role, agency) -> None:
    response = as_role("responder").post(MENTIONS, post_item(agency.brand.id, "1"), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"non_field_errors": ["Expected a JSON list of mentions."]}


def test_a_viewer_cannot_post_mentions(as_role, agency) -> None:
    response = as_role("viewer").post(MENTIONS, [post_item(agency.brand.id, "1")], format="json")

    assert response.status_code == 403
    assert not Mention.objects.exists()


def test_a_post_that_crosses_a_threshold_reports_the_incident(as_role, agency) -> None:
    MonitoringRuleFactory(brand=agency.brand, keywords=["отравление"], min_negative=None)

    body = (
        as_role("responder")
        .post(
            MENTIONS,
            [post_item(agency.brand.id, "1", text="Отравление после кофе")],
            format="json",
        )
        .json()
    )

    assert body["incidents_opened"] == [Incident.objects.get().id]


# --- rules ---


def rules_url(brand_id: int, pk: int | None = None) -> str:
    base = f"/api/v1/orgs/alpha/brands/{brand_id}/rules/"
    return f"{base}{pk}/" if pk else base


def test_a_manager_creates_reads_updates_and_deletes_a_rule(as_role, agency) -> None:
    client = as_role("manager")

    created = client.post(
        rules_url(agency.brand.id),
        {
            "name": "Poisoning",
            "keywords": ["  Отравлёние ", "Class Action", "отравление"],
            "severity": "sev1",
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    rule = created.json()
    assert rule["brand"] == agency.brand.id
    assert rule["keywords"] == ["отравление", "class action"]  # normalised, deduplicated
    assert (rule["window_minutes"], rule["min_negative"], rule["multiplier"]) == (15, None, 3.0)
    assert rule["active"] is True

    listed = as_role("viewer").get(rules_url(agency.brand.id)).json()["results"]
    assert [r["id"] for r in listed] == [rule["id"]]

    patched = client.patch(
        rules_url(agency.brand.id, rule["id"]), {"min_negative": 20, "active": False}, format="json"
    )
    assert patched.status_code == 200
    assert (patched.json()["min_negative"], patched.json()["active"]) == (20, False)

    assert client.delete(rules_url(agency.brand.id, rule["id"])).status_code == 204
    assert not MonitoringRule.objects.exists()


def test_a_rule_that_could_never_fire_is_refused(as_role, agency) -> None:
    response = as_role("manager").post(
        rules_url(agency.brand.id), {"name": "Nothing", "keywords": []}, format="json"
    )

    assert response.status_code == 400
    assert "keywords" in response.json()["errors"]


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "x", "min_negative": 0},
        {"name": "x", "min_negative": 5, "multiplier": 0.5},
        {"name": "x", "min_negative": 5, "window_minutes": 0},
        {"name": "x", "keywords": "not a list"},
        {"name": "x", "keywords": ["ok"], "severity": "sev9"},
    ],
)
def test_invalid_rules_are_refused(as_role, agency, payload: dict) -> None:
    response = as_role("manager").post(rules_url(agency.brand.id), payload, format="json")

    assert response.status_code == 400
    assert not MonitoringRule.objects.exists()


def test_a_responder_cannot_write_rules(as_role, agency) -> None:
    rule = MonitoringRuleFactory(brand=agency.brand)
    client = as_role("responder")

    responses = [
        client.post(rules_url(agency.brand.id), {"name": "x", "keywords": ["a"]}, format="json"),
        client.patch(rules_url(agency.brand.id, rule.id), {"active": False}, format="json"),
        client.delete(rules_url(agency.brand.id, rule.id)),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert client.get(rules_url(agency.brand.id, rule.id)).status_code == 200
    rule.refresh_from_db()
    assert rule.active


def test_a_rule_is_only_reachable_under_its_own_brand(as_role, agency) -> None:
    rule = MonitoringRuleFactory(brand=agency.brand)

    response = as_role("manager").get(rules_url(agency.other_brand.id, rule.id))

    assert response.status_code == 404


def test_a_brand_limited_member_sees_only_their_brands_rules(api, agency) -> None:
    MonitoringRuleFactory(brand=agency.other_brand)
    staff = MembershipFactory(organisation=agency.org, role="manager")
    staff.brands.set([agency.brand])

    assert api(staff.user).get(rules_url(agency.other_brand.id)).status_code == 404
    assert api(staff.user).get(rules_url(agency.brand.id)).json()["results"] == []


# --- incident mention stats ---


def test_mention_stats_show_volume_and_negative_share_around_the_incident(as_role, agency) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    incident = IncidentFactory(brand=agency.brand, detected_at=now - timedelta(minutes=30))
    mention_ingest(
        brand=agency.brand,
        items=[
            {
                "platform": "vk",
                "external_id": f"m{i}",
                "text": "Ужасный кофе, отвратительно" if i % 2 else "Спасибо, вкусно",
                "posted_at": (now - timedelta(minutes=25)).isoformat(),
            }
            for i in range(4)
        ],
    )
    MentionFactory(brand=agency.other_brand)  # another brand: not in the chart

    response = as_role("viewer").get(f"/api/v1/orgs/alpha/incidents/{incident.id}/mention-stats/")

    assert response.status_code == 200
    body = response.json()
    assert body["step_minutes"] == 10
    assert (body["total"], body["negative"], body["negative_share"]) == (4, 2, 0.5)
    busy = [p for p in body["points"] if p["total"]]
    assert len(busy) == 1
    assert (busy[0]["total"], busy[0]["negative"], busy[0]["negative_share"]) == (4, 2, 0.5)
    assert all(p["negative_share"] is None for p in body["points"] if not p["total"])
    assert len(body["points"]) >= 15  # two hours before detection, in 10-minute steps


def test_long_incidents_are_charted_per_hour(as_role, agency) -> None:
    now = timezone.now()
    incident = IncidentFactory(brand=agency.brand, detected_at=now - timedelta(days=2))
    MentionBucket.objects.create(
        organisation=agency.org,
        brand=agency.brand,
        bucket_start=(now - timedelta(days=1)).replace(second=0, microsecond=0),
        total=10,
        negative=7,
    )

    body = (
        as_role("viewer").get(f"/api/v1/orgs/alpha/incidents/{incident.id}/mention-stats/").json()
    )

    assert body["step_minutes"] == 60
    assert (body["total"], body["negative"]) == (10, 7)
    assert 49 <= len(body["points"]) <= 52


@pytest.mark.parametrize("brand", [{}, [], "1", 1.5, None, -5, 3069083106743403151360])
def test_a_brand_that_is_not_an_id_is_rejected_by_index(as_role, brand) -> None:
    """Found by schemathesis: an object as the brand was a 500."""
    item = {
        "platform": "vk",
        "external_id": "x",
        "text": "t",
        "posted_at": "2026-01-01T00:00:00Z",
        "brand": brand,
    }
    response = as_role("responder").post("/api/v1/orgs/alpha/mentions/", [item], format="json")
    assert response.status_code < 500
    assert response.json()["rejected"][0]["field"] == "brand"
