"""Post-mortems, their action items and exports."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from crisisdesk.openapi import conflict
from incidents.postmortems import exports, selectors, services
from incidents.postmortems.models import ActionItem, ActionItemStatus, PostMortem, PostMortemStatus
from tenants.api.fields import OrgPrimaryKeyRelatedField
from tenants.models import Membership, Role
from tenants.tenancy import OrgAPIRequest, OrgScopedViewSet, scoped_get


# Alike the playbooks and tenants serializers on purpose: a ModelSerializer's own field list.
class ActionItemSerializer(serializers.ModelSerializer):
    owner = OrgPrimaryKeyRelatedField(Membership, required=False, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "title",
            "owner",
            "due_date",
            "status",
            "completed_at",
            "overdue",
            "created_at",
        ]
        read_only_fields = ["id", "completed_at", "created_at"]

    def get_overdue(self, obj: ActionItem) -> bool:
        from django.utils import timezone

        return (
            obj.status == ActionItemStatus.OPEN
            and obj.due_date is not None
            and obj.due_date < timezone.now().date()
        )


class PostMortemSerializer(serializers.ModelSerializer):
    incident = serializers.SerializerMethodField()
    author = serializers.CharField(source="author.user.username", default=None, read_only=True)
    approved_by = serializers.CharField(
        source="approved_by.user.username", default=None, read_only=True
    )
    action_items = ActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = PostMortem
        fields = [
            "id",
            "incident",
            "is_drill",
            "status",
            "author",
            "prefill",
            *services.WRITTEN_SECTIONS,
            "review_comments",
            "action_items",
            "submitted_at",
            "approved_at",
            "approved_by",
            "created_at",
            "updated_at",
        ]
        # The written sections are the only fields the API writes (postmortem_write).
        read_only_fields = [f for f in fields if f not in services.WRITTEN_SECTIONS]

    def get_incident(self, obj: PostMortem) -> dict[str, Any]:
        return {
            "id": obj.incident_id,
            "title": obj.incident.title,
            "brand": obj.incident.brand.name,
            "status": obj.incident.status,
        }


class PostMortemListSerializer(PostMortemSerializer):
    class Meta(PostMortemSerializer.Meta):
        fields = [
            f
            for f in PostMortemSerializer.Meta.fields
            if f not in ("prefill", "action_items", "review_comments")
        ]


# Alike PostMortemSerializer's fields on purpose: the client's own shorter list, spelt out so
# that a field added to the internal one never reaches clients unasked.
class PostMortemClientSerializer(PostMortemSerializer):
    """The client post-mortem: the findings, without people, review comments or the
    internal prefill."""

    class Meta(PostMortemSerializer.Meta):
        fields = [
            "id",
            "incident",
            "is_drill",
            "status",
            *services.WRITTEN_SECTIONS,
            "approved_at",
        ]


class RequestChangesSerializer(serializers.Serializer):
    comments = serializers.CharField(max_length=10000)


# What a review step (request changes, approve) answers.
_REVIEWED = {200: PostMortemSerializer, **conflict("Only a post-mortem in review can be reviewed.")}


# Alike ActionItemViewSet and tenants/api/views.py's viewsets on purpose: each action declares
# its own schema and route and calls its own service (the shared steps live in _act).
class PostMortemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Post-mortems. Responders write them; a manager or owner who is not the author reviews."""

    scoped_model = PostMortem
    serializer_class = PostMortemSerializer
    write_role = Role.RESPONDER
    action_roles = {"request_changes": Role.MANAGER, "approve": Role.MANAGER}
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["status", "is_drill"]
    client_actions = frozenset({"list", "retrieve", "export"})

    def scoped_queryset(self) -> QuerySet[PostMortem]:
        qs = selectors.postmortem_list(membership=self.membership)
        if self.action == "retrieve":
            qs = qs.prefetch_related("action_items")
        return qs

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if getattr(self.request, "membership", None) is not None and self.membership.is_client:
            return PostMortemClientSerializer
        return PostMortemListSerializer if self.action == "list" else PostMortemSerializer

    @extend_schema(
        summary="List post-mortems",
        parameters=[
            OpenApiParameter("status", str, enum=[s.value for s in PostMortemStatus]),
            OpenApiParameter("waiting_for_my_review", bool),
            OpenApiParameter(
                "search", str, description="Full-text search in lessons and root causes"
            ),
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # the mixin's
        qs = self.filter_queryset(self.get_queryset())
        if request.query_params.get("waiting_for_my_review") in ("true", "1"):
            qs = selectors.postmortem_waiting_for_review(qs, self.membership)
        search = request.query_params.get("search", "").strip()[:200]
        if search:
            qs = selectors.postmortem_search(qs, search)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        responses={
            200: PostMortemSerializer,
            **conflict("The post-mortem is in review or approved: it cannot be edited."),
        }
    )
    def partial_update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        postmortem = self.get_object()
        serializer = self.get_serializer(postmortem, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.postmortem_update(
            postmortem=postmortem, by=self.membership, **serializer.validated_data
        )
        return Response(self.get_serializer(self.get_object()).data)

    def _act(self, fn: Any, **kwargs: Any) -> Response:
        postmortem = self.get_object()
        fn(postmortem=postmortem, by=self.membership, **kwargs)
        return Response(self.get_serializer(self.get_object()).data)

    # Alike `approve` below on purpose: each action declares its own schema and route.
    @extend_schema(
        summary="Submit a post-mortem for review",
        request=None,
        responses={200: PostMortemSerializer, **conflict("The post-mortem is not a draft.")},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        return self._act(services.postmortem_submit)

    @extend_schema(
        summary="Send a post-mortem back with changes requested",
        examples=[
            OpenApiExample(
                "What to change",
                value={"comments": "Add the timeline of the first hour."},
                request_only=True,
            )
        ],
        request=RequestChangesSerializer,
        responses=_REVIEWED,
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        postmortem = self.get_object()  # 404 before any validation of the body
        body = RequestChangesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.postmortem_request_changes(
            postmortem=postmortem,
            by=self.membership,
            comments=body.validated_data["comments"],
        )
        return Response(self.get_serializer(self.get_object()).data)

    # Alike `submit` above on purpose: each action declares its own schema and route.
    @extend_schema(
        summary="Approve a post-mortem (closes the incident)",
        request=None,
        responses=_REVIEWED,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        return self._act(services.postmortem_approve)

    @extend_schema(
        summary="Export a post-mortem (Markdown, HTML, PDF)",
        parameters=[
            OpenApiParameter("format", str, enum=["md", "html", "pdf"], required=True),
            OpenApiParameter("audience", str, enum=["internal", "client"]),
        ],
        responses={
            (200, "text/markdown"): str,
            (200, "text/html"): str,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
    )
    @action(detail=True, methods=["get"], filterset_fields=None)
    def export(self, request: OrgAPIRequest, org_slug: str, pk: str) -> HttpResponse:
        postmortem = self.get_object()
        fmt = request.query_params.get("format", "md")
        audience = request.query_params.get("audience", "internal")
        if fmt not in ("md", "html", "pdf"):
            raise ValidationError({"format": ["Must be md, html or pdf."]})
        if audience not in ("internal", "client"):
            raise ValidationError({"audience": ["Must be internal or client."]})
        audience = exports.audience_for(self.membership, audience)
        if fmt == "pdf":
            return self._pdf(postmortem, audience)
        body = exports.postmortem_export(
            postmortem=postmortem, fmt=fmt, audience=audience, by=request.membership
        )
        content_type = "text/markdown" if fmt == "md" else "text/html"
        response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = (
            f'inline; filename="postmortem-{postmortem.incident_id}.{fmt}"'
        )
        return response

    def _pdf(self, postmortem: PostMortem, audience: str) -> HttpResponse:
        # The PDF is the version a client hands on: only the client audience has one.
        if audience != "client":
            raise ValidationError(
                {"audience": ["The PDF is the client version: ask for audience=client."]}
            )
        body = exports.postmortem_client_pdf_export(
            postmortem=postmortem, fmt="pdf", by=self.request.membership
        )
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="postmortem-{postmortem.incident_id}.pdf"'
        )
        return response


class ActionItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    scoped_model = ActionItem
    serializer_class = ActionItemSerializer
    write_role = Role.RESPONDER
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _postmortem(self) -> PostMortem:
        return scoped_get(
            selectors.postmortem_list(membership=self.membership), self.kwargs["postmortem_pk"]
        )

    def scoped_queryset(self) -> QuerySet[ActionItem]:
        return self._postmortem().action_items.select_related("owner__user")

    # Alike tenants/api/views.py's create/update actions on purpose: its own serializer, service.
    def create(self, request: OrgAPIRequest, org_slug: str, postmortem_pk: str) -> Response:
        postmortem = self._postmortem()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "status"}
        item = services.action_item_create(postmortem=postmortem, **data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    def partial_update(
        self, request: OrgAPIRequest, org_slug: str, postmortem_pk: str, pk: str
    ) -> Response:
        # Alike tenants/api/views.py's partial updates on purpose: its own service call.
        item = self.get_object()
        serializer = self.get_serializer(item, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        item = services.action_item_update(item=item, **serializer.validated_data)
        return Response(self.get_serializer(item).data)

    def perform_destroy(self, instance: ActionItem) -> None:
        services.action_item_delete(item=instance)
