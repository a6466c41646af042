"""Views nested under one incident: …/incidents/<incident_pk>/…"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from incidents.models import Incident
from incidents.selectors import incident_list
from tenants.tenancy import scoped_get

INCIDENT_PK = OpenApiParameter("incident_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


class IncidentChildMixin:
    """The parent incident, fetched through the member's scoped incident selector: another
    organisation's, or a brand the member does not see, is the same 404 as a missing one."""

    kwargs: dict[str, Any]
    request: Any

    def incident_queryset(self) -> QuerySet[Incident]:
        return incident_list(membership=self.request.membership)

    @property
    def incident(self) -> Incident:
        cached = getattr(self, "_incident", None)
        if cached is None:
            cached = scoped_get(self.incident_queryset(), self.kwargs["incident_pk"])
            self._incident = cached
        return cached
