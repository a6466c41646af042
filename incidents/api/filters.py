from datetime import date, datetime, time, timedelta

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from incidents.models import Incident, Status
from incidents.selectors import incident_filter_assigned_to, incident_filter_open
from tenants.models import Severity


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    brand = django_filters.NumberFilter(field_name="brand_id")
    team = django_filters.NumberFilter(field_name="teams__id", distinct=True)
    assigned_to_me = django_filters.BooleanFilter(method="filter_assigned_to_me")
    open = django_filters.BooleanFilter(method="filter_open")
    q = django_filters.CharFilter(method="filter_text", max_length=200)
    is_drill = django_filters.BooleanFilter()
    # The period, by detection day in the server's time zone, both days included; the
    # (organisation, detected_at) index serves it.
    detected_from = django_filters.DateFilter(method="filter_detected_from")
    detected_to = django_filters.DateFilter(method="filter_detected_to")

    class Meta:
        model = Incident
        fields = [
            "status",
            "severity",
            "brand",
            "team",
            "assigned_to_me",
            "open",
            "q",
            "is_drill",
            "detected_from",
            "detected_to",
        ]

    def filter_text(self, qs: QuerySet[Incident], name: str, value: str) -> QuerySet[Incident]:
        """Words of the title or the summary (case-insensitive)."""
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(title__icontains=value) | Q(summary__icontains=value))

    def filter_detected_from(
        self, qs: QuerySet[Incident], name: str, value: date
    ) -> QuerySet[Incident]:
        return qs.filter(detected_at__gte=_day_start(value))

    def filter_detected_to(
        self, qs: QuerySet[Incident], name: str, value: date
    ) -> QuerySet[Incident]:
        return qs.filter(detected_at__lt=_day_start(value + timedelta(days=1)))

    def filter_assigned_to_me(
        self, qs: QuerySet[Incident], name: str, value: bool
    ) -> QuerySet[Incident]:
        if not value:
            return qs
        return incident_filter_assigned_to(qs, self.request.membership)

    def filter_open(
        self, qs: QuerySet[Incident], name: str, value: bool | None
    ) -> QuerySet[Incident]:
        return qs if value is None else incident_filter_open(qs, value)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
