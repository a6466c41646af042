"""A task enqueued while the broker is down is not lost: it is kept and sent by the next flush."""

import pytest
from celery import current_app
from django.core import mail

from incidents.notifications.models import DeferredTask, Delivery
from incidents.notifications.services import notification_send
from incidents.notifications.tasks import deferred_tasks_flush_run

pytestmark = pytest.mark.django_db


class BrokerDown(Exception):
    pass


def test_tasks_enqueued_during_an_outage_are_kept_and_sent_later(
    agency, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    manager = agency.member("manager").user
    manager.email = "manager@example.com"
    manager.save()
    sent: list[tuple[str, list]] = []

    def broker_down(name: str, args: list, **kwargs: object) -> None:
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(current_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            organisation=agency.org,
            email=lambda: ("SLA breached", "#1"),
            language="en",
            event_type="sla.breached",
            data={},
        )
    deferred = DeferredTask.objects.get()
    assert deferred.task_name == "incidents.tasks.delivery_send"
    [delivery] = Delivery.objects.all()  # recorded with the decision, before any broker
    assert deferred.args == [delivery.pk]
    assert "Connection refused" in deferred.last_error

    # Still down: the flush keeps the task and counts the attempt.
    assert deferred_tasks_flush_run() == 0
    deferred.refresh_from_db()
    assert deferred.attempts == 1

    # The broker is back: the flush sends it once, and it is gone from the outbox.
    monkeypatch.setattr(
        current_app, "send_task", lambda name, args, **kw: sent.append((name, args))
    )
    assert deferred_tasks_flush_run() == 1
    assert deferred_tasks_flush_run() == 0
    assert len(sent) == 1
    assert sent[0] == ("incidents.tasks.delivery_send", [delivery.pk])
    assert not DeferredTask.objects.exists()
    # Delivered by the worker: run the task as the worker would.
    current_app.tasks[sent[0][0]].apply(args=sent[0][1])
    assert [m.subject for m in mail.outbox] == ["SLA breached"]
