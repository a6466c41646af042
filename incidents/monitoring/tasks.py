"""Celery tasks of monitoring. Names stay `incidents.tasks.…`: beat rows store them."""

from celery import shared_task

from incidents.monitoring.services.detection import volume_rules_evaluate


@shared_task(name="incidents.tasks.spike_detection_run")
def spike_detection_run() -> dict[str, list[int]]:
    """Every minute: volume rules over their windows (build-ups no single ingest crossed).

    Running twice at once is safe: triggers lock the brand's rules and link or open once."""
    outcome = volume_rules_evaluate()
    return {"opened": outcome.opened, "linked": outcome.linked}
