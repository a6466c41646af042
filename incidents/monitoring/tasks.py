"""Celery tasks of monitoring. Names stay `incidents.tasks.…`: beat rows store them."""

from celery import shared_task

from incidents.monitoring.services.detection import volume_rules_evaluate
from incidents.monitoring.services.imports import mention_import_run
from incidents.monitoring.services.sentiment_model import (
    sentiment_model_train,
    sentiment_models_retrain_due,
)
from incidents.monitoring.services.sources import source_poll, sources_dispatch


@shared_task(name="incidents.tasks.spike_detection_run")
def spike_detection_run() -> dict[str, list[int]]:
    """Every minute: volume rules over their windows (build-ups no single ingest crossed).

    Running twice at once is safe: triggers lock the brand's rules and link or open once."""
    outcome = volume_rules_evaluate()
    return {"opened": outcome.opened, "linked": outcome.linked}


@shared_task(name="incidents.tasks.sentiment_model_train_run")
def sentiment_model_train_run(organisation_id: int) -> str | None:
    """Train and judge one organisation's sentiment model (asked for by the API or the
    periodic retraining). Twice for one request: the second run finds it done."""
    row = sentiment_model_train(organisation_id=organisation_id)
    return row.state if row is not None else None


@shared_task(name="incidents.tasks.sentiment_models_retrain_run")
def sentiment_models_retrain_run() -> list[int]:
    """Hourly: retrain the models of organisations with enough new labels since."""
    return sentiment_models_retrain_due()


@shared_task(name="incidents.tasks.sources_dispatch_run")
def sources_dispatch_run() -> list[int]:
    """Every 30 s: enqueue a poll for each due source (services/sources.py)."""
    return sources_dispatch()


@shared_task(name="incidents.tasks.source_poll_run", acks_late=True)
def source_poll_run(source_id: int) -> dict | None:
    """Poll one source; a no-op when another worker holds its lease or it is paused."""
    outcome = source_poll(source_id=source_id)
    if outcome is None:
        return None
    return {"fetched": outcome.fetched, "created": outcome.created, "error": outcome.error_kind}


@shared_task(name="incidents.tasks.mention_import_run", acks_late=True)
def mention_import_run_task(organisation_id: int, import_id: int) -> dict | None:
    """Run one uploaded import; a no-op when it is not queued (already run or running)."""
    row = mention_import_run(organisation_id=organisation_id, import_id=import_id)
    if row is None:
        return None
    return {"state": row.state, "rows": row.rows_done, "stored": row.stored}
