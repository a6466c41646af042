import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crisisdesk.openapi import conflict
from playbooks import selectors, services
from playbooks.api import serializers as s
from playbooks.models import IncidentTask, Language, Playbook
from templates.api.nested import INCIDENT_PK, IncidentChildMixin
from tenants.models import Role
from tenants.tenancy import OrgAPIRequest, OrgScopedAPIView, OrgScopedViewSet, scoped_get


class PlaybookFilter(django_filters.FilterSet):
    crisis_type = django_filters.CharFilter(max_length=40)
    language = django_filters.ChoiceFilter(choices=Language.choices)
    active = django_filters.BooleanFilter()

    class Meta:
        model = Playbook
        fields = ["crisis_type", "language", "active"]


class PlaybookViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    """Playbooks per crisis type with their ordered steps. Everyone reads; managers and up
    write. A write with `steps` replaces the whole step list in that order."""

    scoped_model = Playbook
    serializer_class = s.PlaybookSerializer
    filterset_class = PlaybookFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Playbook]:
        return selectors.playbook_list(membership=self.membership)

    def _detail(self, playbook: Playbook) -> Response:
        return Response(self.get_serializer(scoped_get(self.get_queryset(), playbook.pk)).data)

    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        playbook = services.playbook_create(
            organisation=self.organisation, by=self.membership, **serializer.validated_data
        )
        response = self._detail(playbook)
        response.status_code = status.HTTP_201_CREATED
        return response

    def partial_update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        playbook = self.get_object()
        serializer = self.get_serializer(playbook, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("steps", None)
        steps = None
        if "steps" in request.data:
            # Validated on their own: a partial update of the playbook still replaces the step
            # list with complete steps. (The stubs omit the ListSerializer kwargs of many=True.)
            step_serializer = s.PlaybookStepSerializer(  # type: ignore[call-arg]
                data=request.data["steps"],
                many=True,
                min_length=1,
                max_length=50,
                context=self.get_serializer_context(),
            )
            if not step_serializer.is_valid():
                raise exceptions.ValidationError({"steps": step_serializer.errors})
            steps = step_serializer.validated_data
        services.playbook_update(playbook=playbook, by=self.membership, steps=steps, **data)
        return self._detail(playbook)

    def perform_destroy(self, instance: Playbook) -> None:
        services.playbook_delete(playbook=instance, by=self.membership)

    @extend_schema(
        summary="Reorder a playbook's steps",
        request=s.ReorderSerializer,
        responses=s.PlaybookSerializer,
    )
    @action(detail=True, methods=["post"])
    def reorder(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        # Alike ResponseViewSet.reject and publish on purpose: its own step list and service.
        playbook = self.get_object()
        serializer = s.ReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.playbook_reorder(
            playbook=playbook,
            by=self.membership,
            step_ids=serializer.validated_data["steps"],
        )
        return self._detail(playbook)

    @extend_schema(
        summary="List the crisis types", responses=s.CrisisTypeSerializer(many=True), filters=False
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="crisis-types",
        filterset_class=None,
        pagination_class=None,
    )
    def crisis_types(self, request: OrgAPIRequest, org_slug: str) -> Response:
        return Response(s.crisis_types())


# Alike each other and ResponseViewSet's actions on purpose: one DRF action per task
# transition (complete, reopen, assign), each its own schema, conflict text and service.
@extend_schema_view(retrieve=extend_schema(parameters=[INCIDENT_PK]))
class IncidentTaskViewSet(IncidentChildMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """An incident's task checklist. Responders and up complete, reopen and assign tasks."""

    scoped_model = IncidentTask
    serializer_class = s.IncidentTaskSerializer
    write_role = Role.RESPONDER
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[IncidentTask]:
        return selectors.task_list(incident=self.incident)

    def _detail(self, task: IncidentTask) -> Response:
        return Response(self.get_serializer(scoped_get(self.get_queryset(), task.pk)).data)

    @extend_schema(
        summary="List an incident's tasks", parameters=[INCIDENT_PK], responses=s.TaskListSerializer
    )
    def list(self, request: OrgAPIRequest, org_slug: str, incident_pk: str) -> Response:
        now = timezone.now()
        tasks = self.get_queryset()
        context = {**self.get_serializer_context(), "now": now}
        return Response(
            {
                "counts": selectors.task_counts(incident=self.incident, now=now),
                "results": s.IncidentTaskSerializer(tasks, many=True, context=context).data,
            }
        )

    @extend_schema(
        summary="Mark a task done",
        parameters=[INCIDENT_PK],
        request=None,
        responses={
            200: s.IncidentTaskSerializer,
            **conflict("The task is already done; the incident is closed."),
        },
    )
    @action(detail=True, methods=["post"])
    def complete(
        self, request: OrgAPIRequest, org_slug: str, incident_pk: str, pk: str
    ) -> Response:
        task = self.get_object()
        services.task_complete(task=task, by=self.membership)
        return self._detail(task)

    @extend_schema(
        summary="Reopen a task",
        parameters=[INCIDENT_PK],
        request=None,
        responses={
            200: s.IncidentTaskSerializer,
            **conflict("The task is not done; the incident is closed."),
        },
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: OrgAPIRequest, org_slug: str, incident_pk: str, pk: str) -> Response:
        task = self.get_object()
        services.task_reopen(task=task, by=self.membership)
        return self._detail(task)

    @extend_schema(
        summary="Assign a task",
        parameters=[INCIDENT_PK],
        request=s.TaskAssignSerializer,
        responses={200: s.IncidentTaskSerializer, **conflict("The incident is closed.")},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: OrgAPIRequest, org_slug: str, incident_pk: str, pk: str) -> Response:
        task = self.get_object()
        serializer = s.TaskAssignSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.task_assign(
            task=task, assignee=serializer.validated_data["assignee"], by=request.membership
        )
        return self._detail(task)


# Alike ResponseViewSet.create on purpose: its own schema and a 201 with the created tasks.
class ApplyPlaybookView(IncidentChildMixin, OrgScopedAPIView):
    """Apply a playbook: one task per step, due at now plus the step's offset. Twice → 409."""

    write_role = Role.RESPONDER

    @extend_schema(
        summary="Apply a playbook to an incident",
        request=s.ApplyPlaybookSerializer,
        responses={
            **conflict("The playbook is already applied; the incident is closed."),
            201: s.AppliedPlaybookSerializer,
        },
    )
    def post(self, request: OrgAPIRequest, org_slug: str, incident_pk: int) -> Response:
        incident = self.incident
        serializer = s.ApplyPlaybookSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        playbook = serializer.validated_data["playbook"]
        services.playbook_apply(incident=incident, playbook=playbook, by=request.membership)
        now = timezone.now()
        tasks = selectors.task_list(incident=incident).filter(playbook=playbook)
        incident.refresh_from_db(fields=["crisis_type"])
        return Response(
            {
                "playbook": playbook.id,
                "crisis_type": incident.crisis_type,
                "counts": selectors.task_counts(incident=incident, now=now),
                "tasks": s.IncidentTaskSerializer(tasks, many=True, context={"now": now}).data,
            },
            status=status.HTTP_201_CREATED,
        )


class SuggestedPlaybooksView(IncidentChildMixin, OrgScopedAPIView):
    """Active playbooks ranked by keyword matches in the incident's text and linked mentions,
    with a bonus for the brand's languages."""

    @extend_schema(
        summary="Playbooks suggested for an incident",
        parameters=[OpenApiParameter("limit", int, description="1–50, default 5")],
        responses=s.SuggestionSerializer(many=True),
    )
    def get(self, request: OrgAPIRequest, org_slug: str, incident_pk: int) -> Response:
        incident = self.incident
        query = s.SuggestionQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        suggestions = selectors.playbook_suggestions(
            incident=incident, limit=query.validated_data["limit"]
        )
        applied_ids = selectors.applied_playbook_ids(incident=incident)
        return Response(
            s.SuggestionSerializer(
                suggestions, many=True, context={"applied_ids": applied_ids}
            ).data
        )
