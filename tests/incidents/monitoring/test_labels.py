"""Teaching: staff correct a mention's sentiment (API and one click on the web); who and when
are kept; a scorer never overwrites it; per-item refusals; the tenant boundary."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from incidents.monitoring.models import Mention, MentionBucket, MentionLabel
from incidents.monitoring.services import mention_ingest
from tests.factories import IncidentFactory, MembershipFactory, MentionFactory

pytestmark = pytest.mark.django_db

LABELS = "/api/v1/orgs/alpha/mentions/labels/"


@pytest.fixture
def browser_as(agency):
    def make(role: str) -> Client:
        client = Client()
        client.force_login(
            agency.member(role).user, backend="django.contrib.auth.backends.ModelBackend"
        )
        return client

    return make


def test_a_responder_labels_mentions_and_who_and_when_are_kept(as_role, agency) -> None:
    first = MentionFactory(brand=agency.brand, sentiment_label="neutral")
    second = MentionFactory(brand=agency.other_brand, sentiment_label="positive")
    before = timezone.now()

    response = as_role("responder").post(
        LABELS,
        [{"id": first.id, "sentiment": "negative"}, {"id": second.id, "sentiment": "neutral"}],
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"labelled": 2, "rejected": []}
    first.refresh_from_db()
    assert (first.sentiment_label, first.sentiment_source) == ("negative", "human")
    record = MentionLabel.objects.get(mention=first)
    assert record.sentiment == "negative"
    assert record.labelled_by == agency.member("responder").user
    assert record.labelled_at >= before
    assert (record.scored_label, record.scored_source) == ("neutral", "default")
    assert record.organisation_id == agency.org.id
    listed = as_role("viewer").get("/api/v1/orgs/alpha/mentions/").json()["results"]
    assert {m["id"]: m["sentiment_source"] for m in listed} == {
        first.id: "human",
        second.id: "human",
    }


def test_labelling_again_updates_who_and_when_but_keeps_what_the_scorer_said(
    as_role, agency
) -> None:
    mention = MentionFactory(brand=agency.brand, sentiment_label="positive")
    as_role("responder").post(LABELS, [{"id": mention.id, "sentiment": "neutral"}], format="json")

    as_role("manager").post(LABELS, [{"id": mention.id, "sentiment": "negative"}], format="json")

    record = MentionLabel.objects.get()
    assert record.sentiment == "negative"
    assert record.labelled_by == agency.member("manager").user
    assert (record.scored_label, record.scored_source) == ("positive", "default")


def test_bad_items_are_refused_one_by_one_and_the_others_stored(as_role, agency, outsider) -> None:
    ours = MentionFactory(brand=agency.brand, sentiment_label="neutral")
    theirs = MentionFactory(brand=outsider.brand, sentiment_label="neutral")

    response = as_role("responder").post(
        LABELS,
        [
            {"id": theirs.id, "sentiment": "negative"},  # another agency's: unknown
            {"id": ours.id, "sentiment": "angry"},
            {"id": 999_999_999, "sentiment": "negative"},
            {"id": "x", "sentiment": "negative"},
            {"id": 2**70, "sentiment": "negative"},
            "nonsense",
            {"id": ours.id, "sentiment": "negative"},
        ],
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["labelled"] == 1
    assert [(r["index"], r["status"], r["field"]) for r in body["rejected"]] == [
        (0, 404, "id"),
        (1, 400, "sentiment"),
        (2, 404, "id"),
        (3, 400, "id"),
        (4, 400, "id"),
        (5, 400, "non_field_errors"),
    ]
    theirs.refresh_from_db()
    assert (theirs.sentiment_label, theirs.sentiment_source) == ("neutral", "default")
    assert MentionLabel.objects.filter(mention=theirs).count() == 0
    ours.refresh_from_db()
    assert ours.sentiment_label == "negative"


def test_a_brand_limited_member_cannot_label_another_brands_mention(api, agency) -> None:
    limited = MembershipFactory(organisation=agency.org, role="responder")
    limited.brands.add(agency.brand)
    other = MentionFactory(brand=agency.other_brand)

    body = (
        api(limited.user)
        .post(LABELS, [{"id": other.id, "sentiment": "negative"}], format="json")
        .json()
    )

    assert body == {
        "labelled": 0,
        "rejected": [{"index": 0, "status": 404, "field": "id", "reason": "No such mention."}],
    }
    assert not MentionLabel.objects.exists()


def test_viewers_may_not_label_and_outsiders_get_404(as_role, api, agency, outsider) -> None:
    mention = MentionFactory(brand=agency.brand)
    item = [{"id": mention.id, "sentiment": "negative"}]

    assert as_role("viewer").post(LABELS, item, format="json").status_code == 403
    assert api(outsider.member("owner").user).post(LABELS, item, format="json").status_code == 404
    assert api(None).post(LABELS, item, format="json").status_code == 401
    assert not MentionLabel.objects.exists()


def test_refuses_a_non_list_and_more_than_a_thousand(as_role, agency) -> None:
    client = as_role("responder")
    assert client.post(LABELS, {"id": 1}, format="json").status_code == 400
    too_many = [{"id": 1, "sentiment": "neutral"}] * 1001
    assert client.post(LABELS, too_many, format="json").status_code == 413


def test_a_thousand_labels_cost_a_constant_number_of_queries(
    as_role, agency, django_assert_max_num_queries
) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    mentions = MentionFactory.create_batch(50, brand=agency.brand, posted_at=now)
    client = as_role("responder")
    items = [{"id": m.id, "sentiment": "negative"} for m in mentions]

    with django_assert_max_num_queries(14):
        assert client.post(LABELS, items, format="json").json()["labelled"] == 50


def test_re_ingest_keeps_the_human_label(as_role, agency) -> None:
    item = {
        "platform": "vk",
        "external_id": "p1",
        "text": "Спасибо за отличный кофе",
        "posted_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
    }
    mention_ingest(brand=agency.brand, items=[item])
    mention = Mention.objects.get()
    assert mention.sentiment_label == "positive"
    as_role("responder").post(LABELS, [{"id": mention.id, "sentiment": "negative"}], format="json")

    mention_ingest(brand=agency.brand, items=[{**item, "text": "Спасибо за отличный кофе!"}])

    mention.refresh_from_db()
    assert (mention.text, mention.sentiment_label, mention.sentiment_source) == (
        "Спасибо за отличный кофе!",
        "negative",
        "human",
    )


def test_a_correction_moves_the_negative_counter_detection_sums(as_role, agency) -> None:
    posted = timezone.now() - timedelta(minutes=1)
    item = {"platform": "vk", "text": "Спасибо за отличный кофе", "posted_at": posted.isoformat()}
    mention_ingest(
        brand=agency.brand, items=[{**item, "external_id": "a"}, {**item, "external_id": "b"}]
    )
    bucket = MentionBucket.objects.get()
    assert (bucket.total, bucket.negative) == (2, 0)
    ids = list(Mention.objects.values_list("id", flat=True))
    client = as_role("responder")

    client.post(LABELS, [{"id": i, "sentiment": "negative"} for i in ids], format="json")
    bucket.refresh_from_db()
    assert bucket.negative == 2
    client.post(LABELS, [{"id": ids[0], "sentiment": "neutral"}], format="json")
    bucket.refresh_from_db()
    assert bucket.negative == 1


# --- one click on the web ---


def test_one_click_on_the_incident_page_corrects_a_mention(browser_as, agency) -> None:
    incident = IncidentFactory(brand=agency.brand)
    mention = MentionFactory(brand=agency.brand, incident=incident, sentiment_label="neutral")
    client = browser_as("responder")
    room = client.get(f"/o/alpha/incidents/{incident.id}/").content.decode()
    assert f"/o/alpha/mentions/{mention.id}/label/" in room

    response = client.post(
        f"/o/alpha/mentions/{mention.id}/label/", {"sentiment": "negative"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert f'id="mention-{mention.id}"' in response.content.decode()
    mention.refresh_from_db()
    assert (mention.sentiment_label, mention.sentiment_source) == ("negative", "human")
    assert MentionLabel.objects.get().labelled_by == agency.member("responder").user


def test_the_web_refuses_viewers_outsiders_and_bad_values(browser_as, agency, outsider) -> None:
    incident = IncidentFactory(brand=agency.brand)
    mention = MentionFactory(brand=agency.brand, incident=incident)
    theirs = MentionFactory(brand=outsider.brand)
    url = f"/o/alpha/mentions/{mention.id}/label/"

    client = browser_as("viewer")
    assert "/label/" not in client.get(f"/o/alpha/incidents/{incident.id}/").content.decode()
    assert client.post(url, {"sentiment": "negative"}).status_code == 403
    client = browser_as("responder")
    bad = client.post(url, {"sentiment": "meh"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    foreign = client.post(f"/o/alpha/mentions/{theirs.id}/label/", {"sentiment": "negative"})
    assert foreign.status_code == 404
    assert not MentionLabel.objects.exists()


def test_a_plain_post_goes_back_only_to_our_own_pages(browser_as, agency) -> None:
    mention = MentionFactory(brand=agency.brand)
    client = browser_as("responder")
    url = f"/o/alpha/mentions/{mention.id}/label/"

    back = client.post(url, {"sentiment": "neutral", "next": "/o/alpha/incidents/"})
    away = client.post(url, {"sentiment": "neutral", "next": "https://evil.example/"})

    assert back["Location"] == "/o/alpha/incidents/"
    assert away["Location"] == "/o/alpha/mentions/"
