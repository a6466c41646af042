"""The organisation's sentiment model: asking for a training, training it (on the worker),
periodic retraining, and the scorer ingest uses (loaded once per process and version)."""

import logging
import threading
from collections import OrderedDict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict
from incidents.monitoring.models import (
    MentionLabel,
    OrganisationSentimentModel,
    SentimentModelState,
)
from incidents.monitoring.sentiment import analyse
from incidents.monitoring.sentiment.organisation import (
    MIN_LABELS,
    NotEnoughLabels,
    OrganisationModel,
    cross_validate,
    trainable,
)
from incidents.notifications.outbox import task_enqueue_after_commit
from tenants.models import Organisation

# Alike notifications/telegram/updates.py's imports on purpose: each module names its own
# models and helpers; only the parenthesised layout of the import matches.
logger = logging.getLogger(__name__)

TRAIN_TASK = "incidents.tasks.sentiment_model_train_run"
MAX_TRAINING_LABELS = 10_000  # the most recent ones: an agency's language drifts
# A training asked for and not finished within this time is taken as lost (a worker died):
# asking again starts another.
TRAINING_TIMEOUT = timedelta(hours=1)


def _analyser_language(language: str) -> str | None:
    if not language:
        return None
    base = language.split("-", 1)[0]
    return base if base in ("ru", "en") else "other"


def organisation_label_count(*, organisation_id: int) -> int:
    return MentionLabel.objects.filter(organisation_id=organisation_id).count()


def sentiment_model_request(
    *, organisation: Organisation, now: datetime | None = None
) -> OrganisationSentimentModel:
    """Ask for the organisation model to be (re)trained by the worker, after commit.

    Refuses (409) an organisation with fewer than MIN_LABELS labels. Asked again while a
    training is under way (and not older than TRAINING_TIMEOUT), it schedules nothing more.
    """
    now = now or timezone.now()
    if organisation_label_count(organisation_id=organisation.id) < MIN_LABELS:
        raise Conflict(
            gettext_lazy("At least %(count)d corrected mentions are needed to train a model."),
            params={"count": MIN_LABELS},
            minimum=MIN_LABELS,
        )
    with transaction.atomic():
        row, _created = OrganisationSentimentModel.objects.select_for_update().get_or_create(
            organisation=organisation
        )
        if (
            row.state == SentimentModelState.TRAINING
            and row.requested_at
            and now - row.requested_at < TRAINING_TIMEOUT
        ):
            return row
        row.state = SentimentModelState.TRAINING
        row.requested_at = now
        row.error = ""
        row.save(update_fields=["state", "requested_at", "error"])
        task_enqueue_after_commit(TRAIN_TASK, organisation.id)
    return row


def _training_set(organisation_id: int) -> tuple[list[str], list[str], list]:
    rows = list(
        MentionLabel.objects.filter(organisation_id=organisation_id)
        .order_by("-labelled_at")
        .values_list("mention__text", "mention__language", "sentiment")[:MAX_TRAINING_LABELS]
    )
    texts = [text for text, _language, _label in rows]
    labels = [label for _text, _language, label in rows]
    results = [analyse(text, _analyser_language(language)) for text, language, _ in rows]
    return texts, labels, results


def sentiment_model_train(*, organisation_id: int) -> OrganisationSentimentModel | None:
    """Train, judge and store the organisation model (the worker's part of a request).

    Runs only for a row in state "training" (a second run of the same request finds it done
    and does nothing). The model is judged by cross-validation on the labels against the
    default analyser on the same labels, and switched in (`active`) only when it beats it;
    otherwise the default analyser scores new mentions. Too few labels of a class, or an
    error while training: state "failed" with the reason, the previous model kept as it was.
    No lock is held while training (it takes seconds to minutes).
    """
    row = OrganisationSentimentModel.objects.filter(organisation_id=organisation_id).first()
    if row is None or row.state != SentimentModelState.TRAINING:
        return row
    texts, labels, results = _training_set(organisation_id)
    evaluation: dict = {}
    model: OrganisationModel | None = None
    error = ""
    try:
        reason = trainable(labels)
        if reason:
            raise NotEnoughLabels(reason)
        evaluation = cross_validate(texts, labels, results=results)
        if evaluation["beats_default"]:
            model = OrganisationModel.fit(texts, labels, results)
    except NotEnoughLabels as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 (a failed training must not stay "training")
        logger.exception("sentiment model training failed", extra={"org": organisation_id})
        error = f"{type(exc).__name__}: {exc}"[:500]
    with transaction.atomic():
        row = (
            OrganisationSentimentModel.objects.select_for_update()
            .filter(organisation_id=organisation_id)
            .first()
        )
        if row is None or row.state != SentimentModelState.TRAINING:
            return row  # another run of this request finished first
        if error:
            row.state = SentimentModelState.FAILED
            row.error = error
        else:
            row.state = SentimentModelState.READY
            row.error = ""
            row.evaluation = evaluation
            row.labels = len(labels)
            row.trained_at = timezone.now()
            row.active = model is not None
            row.blob = model.dumps() if model is not None else None
            row.version += 1
        row.save()
    return row


def sentiment_models_retrain_due() -> list[int]:
    """Every organisation with at least SENTIMENT_RETRAIN_AFTER_LABELS labels more than its
    model learned from (or MIN_LABELS and no model yet): a training is asked for each."""
    threshold = settings.SENTIMENT_RETRAIN_AFTER_LABELS
    counts: dict[int, int] = {}
    for organisation_id in (
        MentionLabel.objects.all_tenants()  # the periodic task, every organisation
        .filter(organisation__deleted_at__isnull=True)
        .values_list("organisation_id", flat=True)
    ):
        counts[organisation_id] = counts.get(organisation_id, 0) + 1
    trained = {
        row.organisation_id: row
        for row in OrganisationSentimentModel.objects.all_tenants().filter(
            organisation_id__in=counts
        )
    }
    asked = []
    for organisation_id, count in sorted(counts.items()):
        row = trained.get(organisation_id)
        if row is None or row.state == SentimentModelState.NONE:
            due = count >= MIN_LABELS
        elif row.state == SentimentModelState.TRAINING:
            due = False
        else:
            due = count - row.labels >= threshold
        if due:
            organisation = Organisation.objects.get(pk=organisation_id)
            sentiment_model_request(organisation=organisation)
            asked.append(organisation_id)
    return asked


# --- the scorer ingest uses ---

_CACHE_SIZE = 32
_cache: OrderedDict[int, tuple[int, OrganisationModel]] = OrderedDict()
_cache_lock = threading.Lock()


def organisation_scorer(*, organisation_id: int) -> OrganisationModel | None:
    """The organisation's active model, or None (the default analyser scores).

    One small query per call for the active version; the model itself is unpickled once per
    process and version (an LRU of the last 32 organisations)."""
    version = (
        OrganisationSentimentModel.objects.filter(organisation_id=organisation_id, active=True)
        .values_list("version", flat=True)
        .first()
    )
    if version is None:
        return None
    with _cache_lock:
        cached = _cache.get(organisation_id)
        if cached is not None and cached[0] == version:
            _cache.move_to_end(organisation_id)
            return cached[1]
    blob = (
        OrganisationSentimentModel.objects.filter(
            organisation_id=organisation_id, active=True, version=version
        )
        .values_list("blob", flat=True)
        .first()
    )
    model = OrganisationModel.loads(blob) if blob else None
    if model is None:
        return None
    with _cache_lock:
        _cache[organisation_id] = (version, model)
        _cache.move_to_end(organisation_id)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return model
