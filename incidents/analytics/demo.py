"""Demo monthly reports: last month's report of each demo brand, asked for by the demo manager
(queued; the worker generates them)."""

from datetime import datetime, timedelta

from django.contrib.auth.models import User

from incidents.analytics.reports import brand_report_request
from incidents.postmortems.models import BrandReport
from tenants.models import Brand, Membership, Organisation


def seed(*, organisation: Organisation, users: dict[str, User], now: datetime) -> None:
    """Idempotent: does nothing once the demo has a report."""
    if BrandReport.objects.filter(organisation=organisation).exists():
        return
    manager = Membership.objects.filter(
        organisation=organisation, user=users["demo-manager"]
    ).first()
    if manager is None:
        return
    first = now.date().replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    for brand in Brand.objects.filter(organisation=organisation).order_by("id"):
        brand_report_request(brand=brand, by=manager, month=f"{previous:%Y-%m}")
