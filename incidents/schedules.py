"""The periodic work, registered in django-celery-beat idempotently (by unique task name)."""

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask


def schedules_register() -> list[str]:
    """Upsert one PeriodicTask per entry of settings.PERIODIC_TASKS; twice = once.

    PeriodicTask.name is unique, so a concurrent second registration cannot duplicate a row.
    """
    names = []
    with transaction.atomic():
        for name, task, seconds in settings.PERIODIC_TASKS:
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=seconds, period=IntervalSchedule.SECONDS
            )
            PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task, "interval": interval, "enabled": True}
            )
            names.append(name)
    return names
