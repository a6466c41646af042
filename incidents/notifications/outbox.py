"""Enqueueing Celery tasks so that a broker outage loses none of them."""

import logging
from typing import Any

from celery import current_app
from django.db import transaction

from incidents.notifications.models import DeferredTask

logger = logging.getLogger(__name__)


def _send_or_defer(task_name: str, args: list[Any]) -> None:
    if (
        current_app.conf.task_always_eager
    ):  # tests and one-process runs: run it here, as delay() would
        current_app.tasks[task_name].apply_async(args=args)
        return
    try:
        # retry=False: fail at once when the broker is down instead of blocking the request.
        current_app.send_task(task_name, args=args, retry=False)
    except Exception as exc:  # any broker error: keep the task, never fail the request
        logger.warning("broker unavailable, task %s deferred: %s", task_name, exc)
        DeferredTask.objects.create(task_name=task_name, args=args, last_error=str(exc)[:1000])


def task_enqueue_after_commit(task_name: str, *args: Any) -> None:
    """Enqueue the task named `task_name` with `args` once the current transaction commits; if
    the broker refuses, store it as a DeferredTask for the next flush.

    By name, so that a service never imports a tasks module (the tasks import the services)."""
    transaction.on_commit(lambda: _send_or_defer(task_name, list(args)), robust=True)


def deferred_tasks_flush(*, limit: int = 500) -> int:
    """Re-send deferred tasks, oldest first; each is removed only once the broker took it.

    Rows are locked with SKIP LOCKED so that two flushes never send the same task twice.
    """
    sent = 0
    with transaction.atomic():
        rows = list(DeferredTask.objects.select_for_update(skip_locked=True).order_by("id")[:limit])
        for row in rows:
            try:
                current_app.send_task(row.task_name, args=row.args, retry=False)
            except Exception as exc:
                row.attempts += 1
                row.last_error = str(exc)[:1000]
                row.save(update_fields=["attempts", "last_error"])
                break  # the broker is still down; try again on the next run
            row.delete()
            sent += 1
    return sent
