import django_filters
from django.db.models import QuerySet

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
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", max_length=200)
    is_drill = django_filters.BooleanFilter()

    class Meta:
        model = Incident
        fields = ["status", "severity", "brand", "team", "assigned_to_me", "open", "q", "is_drill"]

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
