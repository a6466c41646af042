"""Periodic work of the response-templates app."""

from celery import shared_task

from templates import services


@shared_task(name="templates.tasks.approval_escalation_run")
def approval_escalation_run(organisation_id: int | None = None) -> list[int]:
    """Escalate responses waiting for approval too long (every minute, from beat).

    Safe to run twice at once: each submission is claimed by one conditional UPDATE.
    """
    return services.approval_escalation_run(organisation_id=organisation_id)
