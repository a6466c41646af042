"""The organisation model: trained from staff's corrections by a task, judged by
cross-validation against the default analyser on the same labels, switched in only when it
beats it, scoring new mentions in ingest; its state through the API; the tenant boundary."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.monitoring.models import Mention, OrganisationSentimentModel
from incidents.monitoring.sentiment import analyse
from incidents.monitoring.services import mention_ingest, mention_labels_apply
from incidents.monitoring.services.sentiment_model import (
    organisation_scorer,
    sentiment_models_retrain_due,
)
from tests.factories import MentionFactory

pytestmark = pytest.mark.django_db

MODEL = "/api/v1/orgs/alpha/sentiment-model/"
TRAIN = "/api/v1/orgs/alpha/sentiment-model/train/"

COURIERS = ["Speedo", "Boxly", "Parcelia", "QuickShip", "Northpost", "Vango"]
THINGS = ["order", "parcel", "delivery", "package", "shipment", "box"]


def agency_language(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """An agency's clients complain in a word no analyser knows ("zorblatted")."""
    rows = []
    for i in range(n):
        thing, courier = rng.choice(THINGS), rng.choice(COURIERS)
        if i % 2:
            rows.append((f"my {thing} {i} got zorblatted by {courier} again", "negative"))
        else:
            rows.append((f"my {thing} {i} came with {courier} on tuesday", "neutral"))
    return rows


def plain_language(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """Posts the default analyser already reads right: nothing for a model to add."""
    texts = [
        "terrible awful service, I hate it",
        "this is the worst, disgusting and horrible",
        "love it, great wonderful service",
        "amazing, excellent, thank you so much",
        "the order arrived on tuesday",
        "the parcel is at the depot",
    ]
    rows = []
    for i in range(n):
        text = f"{rng.choice(texts)} {rng.choice(COURIERS)} {i}"
        rows.append((text, analyse(text).label))
    return rows


def teach(agency, rows: list[tuple[str, str]], brand=None) -> None:
    mentions = [
        MentionFactory(brand=brand or agency.brand, text=text, language="en") for text, _ in rows
    ]
    result = mention_labels_apply(
        by=agency.member("responder"),
        items=[
            {"id": m.id, "sentiment": label} for m, (_, label) in zip(mentions, rows, strict=True)
        ],
    )
    assert result.labelled == len(rows)


def ingest(brand, text: str, external_id: str) -> Mention:
    posted = (timezone.now() - timedelta(minutes=1)).isoformat()
    mention_ingest(
        brand=brand,
        items=[{"platform": "x", "external_id": external_id, "text": text, "posted_at": posted}],
    )
    return Mention.objects.get(external_id=external_id)


def train(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(TRAIN)
    return response


def test_the_model_switches_in_when_it_beats_the_default_and_scores_new_mentions(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    teach(agency, agency_language(random.Random(1), 120))
    before = ingest(agency.brand, "my order 9000 got zorblatted by Vango again", "before")
    assert (before.sentiment_label, before.sentiment_source) == ("neutral", "default")

    response = train(as_role("manager"), django_capture_on_commit_callbacks)

    assert response.status_code == 202
    body = as_role("viewer").get(MODEL).json()
    assert body["state"] == "ready"
    assert body["active"] is True
    assert body["labels"] == body["trained_on"] == 120
    assert body["trained_at"] is not None
    evaluation = body["evaluation"]
    assert evaluation["beats_default"] is True
    assert evaluation["default"]["negative_f1"] == 0.0
    assert evaluation["model"]["negative_f1"] >= 0.9
    assert evaluation["folds"] == 5
    after = ingest(agency.brand, "my parcel 9001 got zorblatted by Boxly again", "after")
    assert (after.sentiment_label, after.sentiment_source) == ("negative", "organisation")
    calm = ingest(agency.brand, "my box 9002 came with Speedo on tuesday", "calm")
    assert (calm.sentiment_label, calm.sentiment_source) == ("neutral", "organisation")
    listed = as_role("viewer").get("/api/v1/orgs/alpha/mentions/?sentiment=negative").json()
    assert [
        (m["external_id"], m["sentiment_source"])
        for m in listed["results"]
        if m["sentiment_source"] != "human"
    ] == [("after", "organisation")]


def test_a_model_that_does_not_beat_the_default_stays_out(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    teach(agency, plain_language(random.Random(2), 120))

    train(as_role("manager"), django_capture_on_commit_callbacks)

    body = as_role("viewer").get(MODEL).json()
    assert body["state"] == "ready"
    assert body["active"] is False
    assert body["evaluation"]["beats_default"] is False
    assert body["evaluation"]["default"]["negative_f1"] == 1.0
    assert OrganisationSentimentModel.objects.get().blob is None
    mention = ingest(agency.brand, "terrible awful service Vango 999", "new")
    assert mention.sentiment_source == "default"


def test_state_transitions_none_training_ready_and_failed(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    manager = as_role("manager")
    assert as_role("viewer").get(MODEL).json() == {
        "state": "none",
        "labels": 0,
        "active": False,
        "trained_at": None,
        "trained_on": 0,
        "version": 0,
        "error": "",
        "evaluation": {},
    }
    teach(agency, [(f"my box {i} got zorblatted", "negative") for i in range(20)])
    refused = manager.post(TRAIN)
    assert refused.status_code == 409
    assert manager.get(MODEL).json()["state"] == "none"

    # 80 labels, all of one sentiment: enough by count, not by content.
    teach(agency, [(f"my order {i} got zorblatted", "negative") for i in range(60)])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert manager.post(TRAIN).status_code == 202
        assert manager.get(MODEL).json()["state"] == "training"
        assert manager.post(TRAIN).status_code == 202  # asked again: nothing more queued
    assert len(queued) == 1
    queued[0]()
    failed = manager.get(MODEL).json()
    assert failed["state"] == "failed"
    assert "two sentiments" in failed["error"]
    assert failed["active"] is False

    teach(agency, agency_language(random.Random(4), 100))
    train(manager, django_capture_on_commit_callbacks)
    ready = manager.get(MODEL).json()
    assert (ready["state"], ready["active"], ready["version"], ready["error"]) == (
        "ready",
        True,
        1,
        "",
    )


def test_a_second_run_of_one_training_does_nothing(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    from incidents.monitoring.tasks import sentiment_model_train_run

    teach(agency, agency_language(random.Random(5), 100))
    train(as_role("manager"), django_capture_on_commit_callbacks)

    assert sentiment_model_train_run(agency.org.id) == "ready"
    assert OrganisationSentimentModel.objects.get().version == 1


def test_roles_and_the_tenant_boundary(
    api, as_role, agency, outsider, django_capture_on_commit_callbacks
) -> None:
    teach(agency, agency_language(random.Random(6), 120))
    stranger = api(outsider.member("owner").user)

    assert stranger.get(MODEL).status_code == 404
    assert stranger.post(TRAIN).status_code == 404
    assert as_role("responder").post(TRAIN).status_code == 403
    assert as_role("viewer").post(TRAIN).status_code == 403
    assert not OrganisationSentimentModel.objects.exists()

    train(as_role("owner"), django_capture_on_commit_callbacks)
    # Our model scores our mentions only: the other agency keeps the default analyser.
    theirs = ingest(outsider.brand, "my order 77 got zorblatted by Vango again", "theirs")
    assert (theirs.sentiment_label, theirs.sentiment_source) == ("neutral", "default")
    assert (
        api(outsider.member("owner").user)
        .get("/api/v1/orgs/omega/sentiment-model/")
        .json()["state"]
        == "none"
    )


def test_retraining_is_asked_after_enough_new_labels(
    as_role, agency, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SENTIMENT_RETRAIN_AFTER_LABELS = 30
    teach(agency, agency_language(random.Random(7), 20))
    assert sentiment_models_retrain_due() == []  # too few for a first model

    teach(agency, agency_language(random.Random(8), 100))
    with django_capture_on_commit_callbacks(execute=True):
        assert sentiment_models_retrain_due() == [agency.org.id]
    first = OrganisationSentimentModel.objects.get()
    assert (first.state, first.version, first.labels) == ("ready", 1, 120)
    old = organisation_scorer(organisation_id=agency.org.id)
    assert old is not None

    teach(agency, agency_language(random.Random(9), 20))
    assert sentiment_models_retrain_due() == []  # 20 new labels: not yet
    teach(agency, agency_language(random.Random(10), 20))
    with django_capture_on_commit_callbacks(execute=True):
        assert sentiment_models_retrain_due() == [agency.org.id]
    assert OrganisationSentimentModel.objects.get().version == 2
    # A process holding version 1 loads version 2 on its next batch.
    assert organisation_scorer(organisation_id=agency.org.id) is not old


def test_the_retraining_task_is_scheduled(settings) -> None:
    assert ("sentiment-retraining", "incidents.tasks.sentiment_models_retrain_run", 3600) in (
        settings.PERIODIC_TASKS
    )
