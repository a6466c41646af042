"""Celery tasks of post-mortems. Names stay `incidents.tasks.…`: beat rows store them."""

from celery import shared_task

from incidents.postmortems.services import action_item_reminders_send, postmortem_reminders_send


@shared_task(name="incidents.tasks.postmortem_reminders_run")
def postmortem_reminders_run() -> int:
    """Post-mortems overdue for submission and overdue action items: one reminder per day each."""
    return postmortem_reminders_send() + action_item_reminders_send()
