"""Every periodic task, and the notification tasks, run twice have the effect of once; the
beat schedule cannot be duplicated by registering it twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from incidents import services
from incidents.models import IncidentEvent, SlaBreach
from incidents.monitoring.tasks import spike_detection_run
from incidents.notifications.models import Channel
from incidents.notifications.services import notify
from incidents.notifications.tasks import deferred_tasks_flush_run, delivery_send, sla_check_run
from incidents.postmortems.tasks import postmortem_reminders_run
from incidents.schedules import schedules_register
from tenants.tasks import organisation_purge_run
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_registering_the_schedule_twice_changes_nothing(settings) -> None:
    first = schedules_register()
    rows = list(PeriodicTask.objects.order_by("name").values_list("name", "task", "interval_id"))
    second = schedules_register()
    assert first == second == [name for name, _task, _every in settings.PERIODIC_TASKS]
    assert (
        list(PeriodicTask.objects.order_by("name").values_list("name", "task", "interval_id"))
        == rows
    )
    assert IntervalSchedule.objects.count() == len({every for *_, every in settings.PERIODIC_TASKS})


def test_every_scheduled_task_exists(settings) -> None:
    from crisisdesk.celery import app

    app.loader.import_default_modules()
    for _name, task, _every in settings.PERIODIC_TASKS:
        assert task in app.tasks, task


def test_the_periodic_tasks_run_twice_have_the_effect_of_once(
    agency, django_capture_on_commit_callbacks
) -> None:
    agency.member("manager").user.email = "m@example.com"
    agency.member("manager").user.save()
    IncidentFactory(
        brand=agency.brand, severity="sev1", detected_at=timezone.now() - timedelta(hours=2)
    )
    responder = agency.member("responder")
    resolved = services.incident_create(brand=agency.brand, title="r", severity="sev3", by=None)
    services.incident_acknowledge(incident=resolved, by=responder)
    services.incident_transition(incident=resolved, status="resolved", by=responder)

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            sla_check_run()
        spike_detection_run()
        postmortem_reminders_run()
        organisation_purge_run()
        deferred_tasks_flush_run()
    breaches = SlaBreach.objects.count()
    assert breaches == 2  # sev1: acknowledge and first response (resolve is 24 h away)
    assert IncidentEvent.objects.filter(kind="sla_breached").count() == breaches
    assert len(mail.outbox) == breaches  # one email per breach, not per run


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_an_email_task_delivered_twice_sends_once(agency) -> None:
    delivery = notify(
        organisation=agency.org,
        channel=Channel.EMAIL,
        kind="t",
        key="k-1",
        to=["o@example.com"],
        subject="s",
        message="m",
    )
    assert (
        notify(
            organisation=agency.org,
            channel=Channel.EMAIL,
            kind="t",
            key="k-1",
            to=["o@example.com"],
        )
        == delivery
    )
    for _ in range(2):
        delivery_send(delivery.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{delivery.delivery_id}@crisisdesk>"
