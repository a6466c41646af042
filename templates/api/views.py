from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response as HttpResponse

from crisisdesk.openapi import conflict
from templates import selectors, services
from templates.api import serializers as s
from templates.api.filters import TemplateFilter
from templates.api.nested import INCIDENT_PK, IncidentChildMixin
from templates.models import Response, ResponseTemplate
from templates.rendering import template_render
from templates.services import statements
from tenants.models import Role
from tenants.tenancy import OrgAPIRequest, OrgScopedAPIView, OrgScopedViewSet, scoped_get


# Alike tenants' BrandViewSet on purpose: each viewset declares its own destroy conflict.
@extend_schema_view(
    destroy=extend_schema(
        responses={
            204: None,
            **conflict("Responses were drafted from this template; deactivate it instead."),
        }
    )
)
class TemplateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    """Response templates per brand, channel, language and tone. Managers and up write them;
    an edit of the body or variables adds a version."""

    scoped_model = ResponseTemplate
    serializer_class = s.TemplateSerializer
    filterset_class = TemplateFilter
    action_roles = {"render": Role.RESPONDER}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[ResponseTemplate]:
        return selectors.template_list(membership=self.membership)

    def _detail(self, template: ResponseTemplate) -> HttpResponse:
        return HttpResponse(self.get_serializer(scoped_get(self.get_queryset(), template.pk)).data)

    # Alike ResponseViewSet.create and tenants' InvitationViewSet.create on purpose: its own
    # write serializer and service; only DRF's validate-call-answer 201 shape is shared.
    @extend_schema(
        summary="Create a response template",
        request=s.TemplateWriteSerializer,
        responses={201: s.TemplateSerializer},
    )
    def create(self, request: OrgAPIRequest, org_slug: str) -> HttpResponse:
        serializer = s.TemplateWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        template = services.template_create(
            organisation=self.organisation,
            by=self.membership,
            **serializer.validated_data,
        )
        response = self._detail(template)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Change a response template (a new version)",
        request=s.TemplateWriteSerializer,
        responses=s.TemplateSerializer,
    )
    def partial_update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> HttpResponse:
        # Alike ResponseViewSet.partial_update on purpose: its own write serializer and service.
        template = self.get_object()
        serializer = s.TemplateWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.template_update(
            template=template,
            by=self.membership,
            **serializer.validated_data,
        )
        return self._detail(template)

    def perform_destroy(self, instance: ResponseTemplate) -> None:
        services.template_delete(template=instance, by=self.membership)

    @extend_schema(
        summary="List a template's versions",
        responses=s.TemplateVersionSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def versions(self, request: OrgAPIRequest, org_slug: str, pk: str) -> HttpResponse:
        template = self.get_object()
        versions = selectors.template_version_list(template=template)
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(s.TemplateVersionSerializer(page, many=True).data)

    @extend_schema(
        summary="Preview a template with variables",
        request=s.RenderRequestSerializer,
        responses=s.RenderResultSerializer,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def render(self, request: OrgAPIRequest, org_slug: str, pk: str) -> HttpResponse:
        """Preview: 200 even over the channel's limit (within_limit false, with a warning), so
        that the editor can show the counter; drafting a response refuses that text."""
        # Alike tenants' TeamViewSet.add_member on purpose: the same get-validate-call steps of a
        # detail action, but this one renders a preview and writes nothing.
        template = self.get_object()
        serializer = s.RenderRequestSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        rendered = template_render(
            template=template,
            values=serializer.validated_data["variables"],
            incident=serializer.validated_data.get("incident"),
        )
        return HttpResponse(rendered.as_dict())


@extend_schema_view(
    list=extend_schema(parameters=[INCIDENT_PK]),
    retrieve=extend_schema(parameters=[INCIDENT_PK]),
    destroy=extend_schema(
        parameters=[INCIDENT_PK],
        responses={
            204: None,
            **conflict("Only a draft can be discarded; the incident is closed."),
        },
    ),
)
class ResponseViewSet(
    IncidentChildMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """Public responses on an incident: responders draft and submit, managers (and, where the
    brand requires it, the client's approver) approve, then the published place is recorded."""

    scoped_model = Response
    serializer_class = s.ResponseSerializer
    write_role = Role.RESPONDER
    # Client approvers may be viewers; the service decides who may approve or reject.
    action_roles = {"approve": Role.VIEWER, "reject": Role.VIEWER}
    # Client staff read the client-facing responses and act on the approvals addressed to them.
    client_actions = frozenset({"list", "retrieve", "approve", "reject"})
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Response]:
        return selectors.response_list(incident=self.incident, membership=self.membership)

    def _detail(self, response: Response) -> HttpResponse:
        return HttpResponse(self.get_serializer(scoped_get(self.get_queryset(), response.pk)).data)

    # Alike TemplateViewSet.create and tenants' sign-in examples on purpose: its own examples,
    # write serializer and service; only DRF's validate-call-answer 201 shape is shared.
    @extend_schema(
        summary="Draft a response",
        examples=[
            OpenApiExample(
                "Free text",
                value={
                    "channel": "vk",
                    "body": "Мы знаем о задержках доставки и уже разбираемся. Следующее обновление — в 14:00.",
                },
                request_only=True,
            ),
            OpenApiExample(
                "From a template",
                value={"template": 7, "variables": {"next_update_time": "14:00"}},
                request_only=True,
            ),
        ],
        parameters=[INCIDENT_PK],
        request=s.ResponseWriteSerializer,
        responses={
            **conflict("The incident is closed; its responses can no longer change."),
            201: s.ResponseSerializer,
        },
    )
    def create(self, request: OrgAPIRequest, org_slug: str, incident_pk: str) -> HttpResponse:
        incident = self.incident
        serializer = s.ResponseWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        response = services.response_create(
            incident=incident,
            by=self.membership,
            **serializer.validated_data,
        )
        result = self._detail(response)
        result.status_code = status.HTTP_201_CREATED
        return result

    # Alike TemplateViewSet.partial_update on purpose: its own conflict, serializer and service.
    @extend_schema(
        summary="Change a draft response",
        parameters=[INCIDENT_PK],
        request=s.ResponseWriteSerializer,
        responses={
            200: s.ResponseSerializer,
            **conflict(
                "Only a draft (or a response sent back) can be changed; the incident is closed."
            ),
        },
    )
    def partial_update(
        self, request: OrgAPIRequest, org_slug: str, incident_pk: str, pk: str
    ) -> HttpResponse:
        response = self.get_object()
        serializer = s.ResponseWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.response_update(
            response=response,
            by=self.membership,
            **serializer.validated_data,
        )
        return self._detail(response)

    def perform_destroy(self, instance: Response) -> None:
        services.response_delete(response=instance, by=self.membership)

    @extend_schema(
        summary="Submit a response for approval",
        parameters=[INCIDENT_PK],
        request=None,
        responses={
            200: s.ResponseSerializer,
            **conflict("The response is not a draft; the incident is closed."),
        },
    )
    @action(detail=True, methods=["post"])
    def submit(
        self, request: OrgAPIRequest, org_slug: str, incident_pk: str, pk: str
    ) -> HttpResponse:
        # Alike approve, reject and publish below on purpose: one DRF action per response
        # transition, each with its own schema, conflict text, request and service.
        response = self.get_object()
        services.response_submit(response=response, by=self.membership)
        return self._detail(response)

    # Alike submit on purpose: its own conflict text and service (viewers may approve here).
    @extend_schema(
        summary="Approve a response",
        parameters=[INCIDENT_PK],
        request=None,
        responses={
            200: s.ResponseSerializer,
            **conflict(
                "The response is not waiting for this approval (the agency approves first); the incident is closed."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(
        self, request: OrgAPIRequest, org_slug: str, incident_pk: str, pk: str
    ) -> HttpResponse:
        response = self.get_object()
        services.response_approve(response=response, by=self.membership)
        return self._detail(response)

    @extend_schema(
        summary="Reject a response",
        parameters=[INCIDENT_PK],
        request=s.RejectSerializer,
        responses={
            200: s.ResponseSerializer,
            **conflict("The response is not waiting for approval; the incident is closed."),
        },
    )
    @action(detail=True, methods=["post"])
    def reject(
        self, request: OrgAPIRequest, org_slug: str, incident_pk: str, pk: str
    ) -> HttpResponse:
        # Alike publish on purpose: each validates its own request serializer (a reason, a URL).
        response = self.get_object()
        serializer = s.RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.response_reject(
            response=response,
            by=self.membership,
            reason=serializer.validated_data["reason"],
        )
        return self._detail(response)

    @extend_schema(
        summary="Record a response as published",
        parameters=[INCIDENT_PK],
        request=s.PublishSerializer,
        responses={
            200: s.ResponseSerializer,
            **conflict("The response is not approved; the incident is closed."),
        },
    )
    @action(detail=True, methods=["post"])
    def publish(
        self, request: OrgAPIRequest, org_slug: str, incident_pk: str, pk: str
    ) -> HttpResponse:
        # Alike reject on purpose: its own request serializer, conflict text and service.
        response = self.get_object()
        serializer = s.PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.response_publish(
            response=response,
            by=self.membership,
            **serializer.validated_data,
        )
        return self._detail(response)


class StatementPageSerializer(serializers.Serializer):
    url = serializers.CharField(read_only=True)


@extend_schema_view(
    post=extend_schema(
        summary="Open the incident's public statement page",
        parameters=[INCIDENT_PK],
        request=None,
        responses={201: StatementPageSerializer},
    ),
    delete=extend_schema(
        summary="Withdraw the incident's public statement page",
        parameters=[INCIDENT_PK],
        request=None,
        responses={204: None, **conflict("The incident has no public statement page.")},
    ),
)
class StatementPageView(IncidentChildMixin, OrgScopedAPIView):
    """The incident's public statement page: POST opens it (managers), answering its URL;
    DELETE withdraws it, after which its public URLs answer 404."""

    write_role = Role.MANAGER
    http_method_names = ["post", "delete", "options"]

    def post(self, request: OrgAPIRequest, org_slug: str, incident_pk: int) -> HttpResponse:
        page = statements.statement_page_publish(incident=self.incident, by=request.membership)
        url = settings.PUBLIC_BASE_URL.rstrip("/") + page.path
        return HttpResponse({"url": url}, status=status.HTTP_201_CREATED)

    def delete(self, request: OrgAPIRequest, org_slug: str, incident_pk: int) -> HttpResponse:
        statements.statement_page_withdraw(incident=self.incident, by=request.membership)
        return HttpResponse(status=status.HTTP_204_NO_CONTENT)
