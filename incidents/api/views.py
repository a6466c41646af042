from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from crisisdesk.openapi import conflict
from incidents import selectors, services
from incidents.api import serializers as s
from incidents.api.filters import IncidentFilter
from incidents.models import Incident
from tenants.models import Role
from tenants.tenancy import OrgAPIRequest, OrgScopedAPIView, OrgScopedViewSet, scoped_get


class EventPagination(CursorPagination):
    ordering = "id"
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000


# Alike the playbooks, templates and tenants viewsets (and each other) on purpose: each action
# declares its own schema, validates its own serializer and calls its own service.
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Incidents of the organisation, newest first. Responders and up work them."""

    scoped_model = Incident
    serializer_class = s.IncidentSerializer
    filterset_class = IncidentFilter
    write_role = Role.RESPONDER
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Client staff read the status, severity and SLA state, and the client timeline.
    client_actions = frozenset({"list", "retrieve", "events"})

    def scoped_queryset(self) -> QuerySet[Incident]:
        return selectors.incident_list(membership=self.membership)

    # The list and the details answer from plain `values()` rows, not model instances: the
    # same JSON in a third of the time (bench/FINDINGS.md).
    # The mixins' signatures (a narrower request would not match them).
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.paginate_queryset(selectors.incident_rows(queryset))
        assert rows is not None  # DEFAULT_PAGINATION_CLASS paginates every list
        selectors.incident_rows_with_teams(rows)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Found by id alone: the filters are the list's (DRF's filter form cost a fifth of
        # the detail request).
        return self._detail(kwargs["pk"])

    def _detail(self, pk: str | int) -> Response:
        row = scoped_get(selectors.incident_rows(self.get_queryset()), pk)
        selectors.incident_rows_with_teams([row])
        return Response(self.get_serializer(row).data)

    @extend_schema(
        summary="Open an incident",
        examples=[
            OpenApiExample(
                "A service complaint",
                value={
                    "brand": 3,
                    "title": "Доставка задерживается в Москве",
                    "severity": "sev2",
                    "summary": "Жалобы в VK и Telegram с утра",
                    "teams": [2],
                },
                request_only=True,
            )
        ],
        request=s.IncidentCreateSerializer,
        responses={201: s.IncidentSerializer},
    )
    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = s.IncidentCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        incident = services.incident_create(by=request.membership, **serializer.validated_data)
        response = self._detail(incident.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Change an incident's title, summary or severity",
        request=s.IncidentUpdateSerializer,
        responses={200: s.IncidentSerializer, **conflict("A closed incident cannot be edited.")},
    )
    def partial_update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        incident = self.get_object()
        serializer = s.IncidentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_update(
            incident=incident, by=request.membership, **serializer.validated_data
        )
        return self._detail(incident.pk)

    @extend_schema(summary="Acknowledge an incident", request=None, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        incident = self.get_object()
        services.incident_acknowledge(incident=incident, by=self.membership)
        return self._detail(incident.pk)

    @extend_schema(
        summary="Move an incident to another status",
        examples=[OpenApiExample("Resolve", value={"status": "resolved"}, request_only=True)],
        request=s.TransitionSerializer,
        responses=s.IncidentSerializer,
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        incident = self.get_object()
        serializer = s.TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_transition(
            incident=incident,
            status=serializer.validated_data["status"],
            by=self.membership,
        )
        return self._detail(incident.pk)

    @extend_schema(
        summary="Assign an incident to a commander and teams",
        request=s.AssignSerializer,
        responses=s.IncidentSerializer,
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        incident = self.get_object()
        serializer = s.AssignSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.incident_assign(
            incident=incident, by=request.membership, **serializer.validated_data
        )
        return self._detail(incident.pk)

    @extend_schema(
        summary="Add a note to an incident's timeline",
        request=s.NoteSerializer,
        responses={201: s.EventSerializer},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        incident = self.get_object()
        serializer = s.NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.incident_add_note(
            incident=incident,
            by=self.membership,
            **serializer.validated_data,
        )
        return Response(
            s.EventSerializer(event, context=self._event_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def _event_context(self) -> dict[str, Any]:
        return {"for_client": self.membership.is_client}

    @extend_schema(
        summary="List an incident's timeline events",
        parameters=[OpenApiParameter("since", int, description="Only events after this event id")],
        responses=s.EventSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=EventPagination)
    def events(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        incident = self.get_object()
        since = request.query_params.get("since")
        if since is not None and not since.isdigit():
            raise ValidationError({"since": ["Must be an event id (a positive integer)."]})
        events = selectors.event_list(
            membership=self.membership, incident=incident, since=int(since) if since else None
        )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(
            s.EventSerializer(page, many=True, context=self._event_context()).data
        )


# Alike analytics/api.py:AnalyticsOverviewView on purpose: each report view declares its own
# query parameters and calls its own selector.
class ResponseTimesView(OrgScopedAPIView):
    """TTA, TTFR and TTR: count, median, 90th percentile and share within SLA (drills excluded)."""

    @extend_schema(
        summary="Response times (TTA, TTFR, TTR)",
        parameters=[
            OpenApiParameter("from", str, description="ISO date-time, detected at or after"),
            OpenApiParameter("to", str, description="ISO date-time, detected before"),
            OpenApiParameter("brand", int),
            OpenApiParameter("severity", str, enum=["sev1", "sev2", "sev3", "sev4"]),
        ],
        responses=s.ResponseTimesSerializer,
    )
    def get(self, request: OrgAPIRequest, org_slug: str) -> Response:
        query = s.ResponseTimesQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = selectors.response_time_metrics(
            membership=request.membership,
            **{
                "date_from": query.validated_data.get("date_from"),
                "date_to": query.validated_data.get("date_to"),
                "brand_id": query.validated_data.get("brand"),
                "severity": query.validated_data.get("severity"),
            },
        )
        return Response(data)
