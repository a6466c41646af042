"""Monitoring API: mentions (list, bulk ingest), brand rules, incident mention stats, and the
signed ingest endpoint for monitoring tools."""

import uuid
from functools import cached_property
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from crisisdesk.core.jsonbody import JSONRefused, body_too_large, json_parse
from crisisdesk.core.signing import SIGNATURE_HEADER, SignatureRefused
from incidents.monitoring import selectors, services
from incidents.monitoring.filters import MentionFilter
from incidents.monitoring.models import (
    Mention,
    MonitoringRule,
    Platform,
    RuleMeasure,
    SentimentLabel,
    Source,
    SourceKind,
)
from incidents.monitoring.services import sources as source_services
from incidents.monitoring.services.detection import RULE_FIELDS
from incidents.monitoring.services.ingest import MAX_ITEMS_PER_REQUEST
from incidents.monitoring.services.labels import (
    LABEL_ROLE,
    MAX_LABELS_PER_REQUEST,
    mention_labels_apply,
)
from incidents.selectors import incident_list
from tenants.models import Brand, Role, Severity
from tenants.selectors import brand_list
from tenants.tenancy import OrgAPIRequest, OrgScopedAPIView, OrgScopedViewSet, scoped_get

MAX_SIGNED_BODY = 1024 * 1024  # 1 MiB


# --- serializers ---


# Alike services/ingest.py:_COPY_COLUMNS on purpose: the API's public fields of a mention and
# the bulk insert's columns share the mention's content fields but answer to different needs.
class MentionSerializer(serializers.ModelSerializer):
    brand = serializers.IntegerField(source="brand_id", read_only=True)
    incident = serializers.IntegerField(source="incident_id", read_only=True, allow_null=True)
    matched_keywords = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Mention
        fields = [
            "id",
            "brand",
            "platform",
            "external_id",
            "author",
            "text",
            "url",
            "language",
            "posted_at",
            "reach",
            "sentiment_score",
            "sentiment_label",
            "sentiment_source",
            "incident",
            "flagged",
            "matched_keywords",
        ]
        read_only_fields = fields


class MentionItemSerializer(serializers.Serializer):
    """The shape of one incoming mention (documentation: items are validated by the service,
    which reports each invalid item by index instead of refusing the batch)."""

    platform = serializers.ChoiceField(choices=Platform.choices)
    external_id = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=10_000)
    posted_at = serializers.DateTimeField(help_text="ISO 8601; without an offset, UTC")
    author = serializers.CharField(max_length=200, required=False)
    url = serializers.URLField(max_length=2000, required=False)
    language = serializers.CharField(
        max_length=16, required=False, help_text="ru, en, …; detected when absent"
    )
    reach = serializers.IntegerField(min_value=0, required=False)


class OrgMentionItemSerializer(MentionItemSerializer):
    brand = serializers.IntegerField(help_text="id of one of the organisation's brands")


# Alike notifications/api.py:CodeSerializer and ConnectionCheckSerializer below on purpose:
# small documentation-only answers, here an ingest item's refusal with its index.
class RejectedItemSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    field = serializers.CharField()
    reason = serializers.CharField()


class DuplicateItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="the repeated item")
    duplicate_of = serializers.IntegerField(help_text="its first copy in the batch")
    reason = serializers.CharField()


class IngestResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = RejectedItemSerializer(many=True)
    duplicates = DuplicateItemSerializer(
        many=True,
        help_text="Items repeating an earlier one (same platform and external_id) within the "
        "request; the last copy is stored",
    )
    incidents_opened = serializers.ListField(child=serializers.IntegerField())
    incidents_linked = serializers.ListField(child=serializers.IntegerField())


class LabelItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="id of a mention the member sees")
    sentiment = serializers.ChoiceField(choices=SentimentLabel.choices)


class RejectedLabelSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.IntegerField(help_text="404: no such mention (or not yours); 400")
    field = serializers.CharField()
    reason = serializers.CharField()


class LabelResultSerializer(serializers.Serializer):
    labelled = serializers.IntegerField()
    rejected = RejectedLabelSerializer(many=True)


class MonitoringRuleSerializer(serializers.ModelSerializer):
    brand = serializers.IntegerField(source="brand_id", read_only=True)
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=50,
        required=False,
        help_text="Words or phrases, case-insensitive; Russian words match as stems; "
        "a trailing * makes any word a prefix",
    )
    window_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False)
    min_negative = serializers.IntegerField(
        min_value=1,
        max_value=10**15,
        required=False,
        allow_null=True,
        help_text="Negative volume in the window (of `measure`) that opens an incident; "
        "null: keywords only",
    )
    measure = serializers.ChoiceField(
        choices=RuleMeasure.choices,
        required=False,
        help_text="What min_negative, the window and the baseline count: `mentions` (negative "
        "posts) or `reach` (the summed reach of the negative posts)",
    )
    multiplier = serializers.FloatField(min_value=1.0, max_value=1000.0, required=False)
    min_reach = serializers.IntegerField(
        min_value=1,
        max_value=10**15,
        required=False,
        allow_null=True,
        help_text="One negative mention with at least this reach opens an incident; null: off",
    )
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)

    class Meta:
        model = MonitoringRule
        fields = [
            "id",
            "brand",
            *RULE_FIELDS,
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "brand", "created_at", "updated_at"]


# Alike tenants/api/serializers.py:MemberSerializer's Meta on purpose: a rule's own fields;
# the chart point below shares only DRF's spelling with MemberContactSerializer.
class MentionStatsPointSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    total = serializers.IntegerField()
    negative = serializers.IntegerField()
    negative_share = serializers.FloatField(allow_null=True)


# Alike playbooks/api/serializers.py:PlaybookBriefSerializer and tenants' InvitationSerializer
# on purpose: a read-only answer documented field by field for the schema, each its own.
class MentionStatsSerializer(serializers.Serializer):
    incident = serializers.IntegerField()
    brand = serializers.IntegerField()
    step_minutes = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    total = serializers.IntegerField()
    negative = serializers.IntegerField()
    negative_share = serializers.FloatField(allow_null=True)
    linked_mentions = serializers.IntegerField()
    points = MentionStatsPointSerializer(many=True)


# --- filters ---


# --- organisation endpoints ---


# Alike SignedIngestView's schema and each other on purpose: labels and create document two
# different bodies (corrections, mentions with a brand), the signed door its brand-less one.
class MentionViewSet(mixins.ListModelMixin, OrgScopedViewSet):
    """Mentions of the organisation's brands, newest first; responders and up send them."""

    scoped_model = Mention
    serializer_class = MentionSerializer
    filterset_class = MentionFilter
    write_role = Role.RESPONDER
    action_roles = {"labels": LABEL_ROLE}
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Mention]:
        return selectors.mention_list(membership=self.membership)

    @extend_schema(
        summary="Correct the sentiment of mentions",
        examples=[
            OpenApiExample(
                "One correction", value=[{"id": 812, "sentiment": "negative"}], request_only=True
            )
        ],
        request=LabelItemSerializer(many=True),
        responses={
            200: LabelResultSerializer,
            413: OpenApiResponse(description=f"More than {MAX_LABELS_PER_REQUEST} labels"),
        },
        description=f"Correct the sentiment of up to {MAX_LABELS_PER_REQUEST} mentions; they "
        "say `sentiment_source: human` from then on and teach the organisation model. An "
        "unknown or another organisation's id is refused per item (status 404, with its "
        "index), an invalid sentiment per item (400); the others are stored.",
    )
    @action(detail=False, methods=["post"], url_path="labels")
    def labels(self, request: OrgAPIRequest, org_slug: str) -> Response:
        items = request.data
        if not isinstance(items, list):
            raise exceptions.ValidationError(
                {"non_field_errors": ["Expected a JSON list of labels."]}
            )
        result = mention_labels_apply(by=self.membership, items=items)
        return Response(result.as_dict())

    @extend_schema(
        summary="Send mentions (bulk, up to 1,000)",
        examples=[
            OpenApiExample(
                "One VK post",
                value=[
                    {
                        "brand": 3,
                        "platform": "vk",
                        "external_id": "wall-1_2041",
                        "text": "Третий день нет доставки, поддержка молчит",
                        "posted_at": "2026-03-14T09:30:00Z",
                        "author": "ivan.p",
                        "url": "https://vk.com/wall-1_2041",
                        "reach": 1200,
                    }
                ],
                request_only=True,
            ),
            OpenApiExample(
                "Stored",
                value={
                    "created": 1,
                    "updated": 0,
                    "rejected": [],
                    "duplicates": [],
                    "incidents_opened": [],
                    "incidents_linked": [41],
                },
                response_only=True,
                status_codes=[201],
            ),
        ],
        request=OrgMentionItemSerializer(many=True),
        responses={
            200: IngestResultSerializer,
            201: IngestResultSerializer,
            413: OpenApiResponse(description=f"More than {MAX_ITEMS_PER_REQUEST} mentions"),
        },
        description=f"Store up to {MAX_ITEMS_PER_REQUEST} mentions (an upsert on brand, "
        "platform and external_id). Invalid items are reported by index with the field and "
        "reason; the valid ones, of every brand, are stored in one transaction. Repeats "
        "within the request are reported in duplicates. 201 when at least one mention is new.",
    )
    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        items = request.data
        if not isinstance(items, list):
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Expected a JSON list of mentions.")]}
            )
        result = services.mention_ingest_for_member(by=self.membership, items=items)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(result.as_dict(), status=code)


class MonitoringRuleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    """A brand's monitoring rules: viewers read, managers and owners write."""

    scoped_model = MonitoringRule
    serializer_class = MonitoringRuleSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @cached_property
    def brand(self) -> Brand:
        # The parent brand is looked up in the member's scope first: another organisation's
        # (or, for a limited member, another client's) brand is a 404 like a missing one.
        return scoped_get(brand_list(membership=self.membership), self.kwargs["brand_pk"])

    def scoped_queryset(self) -> QuerySet[MonitoringRule]:
        return selectors.monitoring_rule_list(membership=self.membership, brand_id=self.brand.id)

    @extend_schema(request=MonitoringRuleSerializer, responses={201: MonitoringRuleSerializer})
    def create(self, request: OrgAPIRequest, org_slug: str, brand_pk: str) -> Response:
        brand = self.brand
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.monitoring_rule_create(
            brand=brand, by=request.membership, **serializer.validated_data
        )
        return Response(self.get_serializer(rule).data, status=status.HTTP_201_CREATED)

    # Alike postmortems/api.py:ActionItemViewSet.partial_update on purpose: DRF's update steps
    # around another model's service (monitoring_rule_update, action_item_update).
    @extend_schema(request=MonitoringRuleSerializer, responses=MonitoringRuleSerializer)
    def partial_update(
        self, request: OrgAPIRequest, org_slug: str, brand_pk: str, pk: str
    ) -> Response:
        rule = self.get_object()
        serializer = self.get_serializer(rule, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        rule = services.monitoring_rule_update(rule=rule, **serializer.validated_data)
        return Response(self.get_serializer(rule).data)

    def perform_destroy(self, instance: MonitoringRule) -> None:
        services.monitoring_rule_delete(rule=instance)


class MentionStatsView(OrgScopedAPIView):
    """Mention volume and negative share of the incident's brand over the incident's time."""

    @extend_schema(summary="Mention statistics of an incident", responses=MentionStatsSerializer)
    def get(self, request: OrgAPIRequest, org_slug: str, incident_pk: str) -> Response:
        incident = scoped_get(incident_list(membership=request.membership), incident_pk)
        data = selectors.mention_stats(incident=incident)
        return Response(MentionStatsSerializer(data).data)


class SentimentModelSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["none", "training", "ready", "failed"])
    labels = serializers.IntegerField(help_text="mentions corrected by staff so far")
    active = serializers.BooleanField(help_text="whether it scores new mentions")
    trained_at = serializers.DateTimeField(allow_null=True)
    trained_on = serializers.IntegerField(help_text="labels the current model learned from")
    version = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    evaluation = serializers.DictField(
        help_text="cross-validated figures of the model and of the default analyser on the "
        "same labels (negative precision, recall, F1, macro-F1), and beats_default"
    )


class SentimentModelView(OrgScopedAPIView):
    """The organisation's own sentiment model: everyone reads it."""

    @extend_schema(
        summary="Get the organisation's sentiment model", responses=SentimentModelSerializer
    )
    def get(self, request: OrgAPIRequest, org_slug: str) -> Response:
        data = selectors.sentiment_model_status(membership=request.membership)
        return Response(SentimentModelSerializer(data).data)


class SentimentModelTrainView(OrgScopedAPIView):
    """Ask the worker to train (or retrain) the model: managers and owners."""

    write_role = Role.MANAGER

    @extend_schema(
        summary="Train the organisation's sentiment model",
        request=None,
        responses={
            202: SentimentModelSerializer,
            409: OpenApiResponse(description="Too few corrected mentions to train"),
        },
    )
    def post(self, request: OrgAPIRequest, org_slug: str) -> Response:
        services.sentiment_model_request(organisation=request.organisation)
        data = selectors.sentiment_model_status(membership=request.membership)
        return Response(SentimentModelSerializer(data).data, status=status.HTTP_202_ACCEPTED)


# --- sources ---


class SourceSerializer(serializers.ModelSerializer):
    """A source as everyone reads it: never its credentials, only whether they are set."""

    brand = serializers.IntegerField(source="brand_id")
    kind: serializers.Field = serializers.ChoiceField(choices=SourceKind.choices)  # read-only below
    config = serializers.JSONField(required=False)
    credentials = serializers.JSONField(
        required=False,
        write_only=True,
        help_text="Write only: the kind's credential fields (encrypted at rest, never returned)",
    )
    has_credentials = serializers.SerializerMethodField()
    last_error = serializers.SerializerMethodField()
    lag_seconds = serializers.SerializerMethodField()
    interval_seconds = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)

    class Meta:
        model = Source
        fields = [
            "id",
            "brand",
            "kind",
            "name",
            "config",
            "credentials",
            "has_credentials",
            "interval_seconds",
            "state",
            "last_polled_at",
            "last_success_at",
            "last_error",
            "last_error_kind",
            "fetched_total",
            "consecutive_failures",
            "next_poll_at",
            "lag_seconds",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "state",
            "last_polled_at",
            "last_success_at",
            "last_error_kind",
            "fetched_total",
            "consecutive_failures",
            "next_poll_at",
            "created_at",
            "updated_at",
        ]

    def get_has_credentials(self, source: Source) -> bool:
        return bool(source.credentials_encrypted)

    def get_last_error(self, source: Source) -> str:
        return source_services.last_error_text(source)

    def get_lag_seconds(self, source: Source) -> int | None:
        """Seconds since the last successful poll (None before the first)."""
        if source.last_success_at is None:
            return None
        return max(0, int((timezone.now() - source.last_success_at).total_seconds()))


class SourceUpdateSerializer(SourceSerializer):
    brand = serializers.IntegerField(source="brand_id", read_only=True)
    kind = serializers.CharField(read_only=True)


# Alike RejectedItemSerializer and notifications/api.py:CodeSerializer on purpose: the answer
# of a source's connection test, documented for the schema only.
class ConnectionCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    error = serializers.CharField()
    error_kind = serializers.CharField()


class SourceFilter(django_filters.FilterSet):
    brand = django_filters.NumberFilter(field_name="brand_id")
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)

    class Meta:
        model = Source
        fields = ["brand", "kind"]


# Alike api_imports.py:ImportPresetViewSet on purpose: the same OrgScopedViewSet declarations
# for another model, with its own roles, selector and actions.
class SourceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    """Where a brand's mentions are collected: viewers read, managers and owners write."""

    scoped_model = Source
    serializer_class = SourceSerializer
    filterset_class = SourceFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Source]:
        return selectors.source_list(membership=self.membership)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "partial_update":
            return SourceUpdateSerializer
        return SourceSerializer

    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = SourceSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Another organisation's brand (or one outside a limited member's) reads as unknown.
        brand = brand_list(membership=self.membership).filter(pk=data["brand_id"]).first()
        if brand is None:
            raise exceptions.ValidationError({"brand": ["Unknown brand."]})
        source = source_services.source_create(
            brand=brand,
            kind=data["kind"],
            config=data.get("config"),
            credentials=data.get("credentials"),
            interval_seconds=data.get("interval_seconds", 300),
            name=data.get("name", ""),
        )
        return Response(
            SourceSerializer(source, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=SourceUpdateSerializer, responses=SourceSerializer)
    def partial_update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        source = self.get_object()
        serializer = SourceUpdateSerializer(source, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        source = source_services.source_update(source=source, **serializer.validated_data)
        return Response(SourceSerializer(source, context=self.get_serializer_context()).data)

    def perform_destroy(self, instance: Source) -> None:
        source_services.source_delete(source=instance)

    @extend_schema(
        summary="Poll a source now",
        request=None,
        responses={202: OpenApiResponse(description="Poll enqueued")},
    )
    @action(detail=True, methods=["post"])
    def poll(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        """Poll now, on the worker: 202 at once; read the source again for its health."""
        source = self.get_object()
        if source.state == "paused":
            raise exceptions.ValidationError({"state": ["The source is paused."]})
        source_services.source_poll_request(source=source)
        return Response({"id": source.pk, "queued": True}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Test a source's connection", request=None, responses=ConnectionCheckSerializer
    )
    @action(detail=True, methods=["post"], url_path="test-connection")
    def test_connection(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        """One cheap call to the service with the stored configuration and credentials."""
        check = source_services.source_test_connection(source=self.get_object())
        return Response({"ok": check.ok, "error": check.error, "error_kind": check.error_kind})

    @extend_schema(summary="Pause a source", request=None, responses=SourceSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        source = source_services.source_pause(source=self.get_object())
        return Response(SourceSerializer(source, context=self.get_serializer_context()).data)

    @extend_schema(summary="Resume a source", request=None, responses=SourceSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        source = source_services.source_resume(source=self.get_object())
        return Response(SourceSerializer(source, context=self.get_serializer_context()).data)


# --- signed ingest (no user: the brand's secret signs the body) ---


class IngestThrottle(SimpleRateThrottle):
    """Per brand (its ingest id), whatever address the monitoring tool calls from."""

    scope = "ingest"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": str(view.kwargs["ingest_id"])}


def _json_list(raw: bytes) -> list:
    """The body as a JSON list, or 400 (crisisdesk.core.jsonbody: invalid UTF-8, malformed
    JSON, nesting over 20 levels; then anything but a list)."""
    data = json_parse(raw)
    if not isinstance(data, list):
        raise JSONRefused(gettext_lazy("Expected a JSON list of mentions."))
    return data


class SignedIngestView(APIView):
    """Mentions from a monitoring tool, signed with the brand's ingest secret."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [IngestThrottle]
    # The body is read raw: the signature covers its exact bytes.
    parser_classes: list = []

    @extend_schema(
        summary="Send mentions signed with the brand's ingest secret",
        examples=[
            OpenApiExample(
                "One post from a listening tool",
                value=[
                    {
                        "platform": "telegram",
                        "external_id": "channel/5521",
                        "text": "Service is down again",
                        "posted_at": "2026-03-14T09:30:00Z",
                        "reach": 5400,
                    }
                ],
                request_only=True,
            )
        ],
        request=MentionItemSerializer(many=True),
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description='t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the '
                "brand's ingest secret>; at most 5 minutes old; each signature is accepted once",
            )
        ],
        responses={
            200: IngestResultSerializer,
            201: IngestResultSerializer,
            400: OpenApiResponse(description="Invalid UTF-8, malformed or too deeply nested JSON"),
            401: OpenApiResponse(description="Signature missing, malformed, wrong or stale"),
            404: OpenApiResponse(description="Unknown ingest id"),
            409: OpenApiResponse(description="This signed request was already received"),
            413: OpenApiResponse(description="Body over 1 MiB or more than 1000 mentions"),
            415: OpenApiResponse(description="Not application/json"),
            429: OpenApiResponse(description="Throttled (per brand); see Retry-After"),
        },
    )
    def post(self, request: Request, ingest_id: uuid.UUID) -> Response:
        # Size first, from the header before anything is read, then from what actually came.
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit():
            raise JSONRefused(gettext_lazy("Invalid Content-Length."))
        if int(declared) > MAX_SIGNED_BODY:
            raise body_too_large(MAX_SIGNED_BODY)
        raw = request._request.read(MAX_SIGNED_BODY + 1)
        if len(raw) > MAX_SIGNED_BODY:
            raise body_too_large(MAX_SIGNED_BODY)
        media_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            raise exceptions.UnsupportedMediaType(media_type or "(none)")
        brand = selectors.brand_for_ingest(ingest_id=ingest_id)
        if brand is None:
            raise Http404
        services.ingest_signature_verify(
            brand=brand, header=request.headers.get(SIGNATURE_HEADER), body=raw
        )
        items = _json_list(raw)
        result = services.mention_ingest_signed(brand=brand, items=items)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(result.as_dict(), status=code)

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, SignatureRefused):
            response["WWW-Authenticate"] = 'CrisisDesk-Signature realm="ingest"'
        return response
