"""Celery tasks of analytics. Names stay `incidents.tasks.…` like the other parts'."""

from celery import shared_task

from incidents.analytics.reports import brand_report_generate
from tenants.scoping import tenant_guard


@shared_task(name="incidents.tasks.brand_report_generate_run")
def brand_report_generate_run(organisation_id: int, report_id: int) -> str:
    """Generate one monthly brand report; a redelivery after it started or finished does
    nothing (the report is claimed once)."""
    with tenant_guard():
        report = brand_report_generate(organisation_id=organisation_id, report_id=report_id)
    return report.state if report is not None else "skipped"
