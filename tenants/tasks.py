from celery import shared_task

from tenants.mail import account_email_deliver  # noqa: F401  (the worker finds it here)
from tenants.ownership import organisation_purge, organisations_due_for_purge


@shared_task
def organisation_purge_run() -> int:
    """Purge every organisation deleted longer ago than the grace period (idempotent)."""
    return sum(organisation_purge(organisation_id=pk) for pk in organisations_due_for_purge())
