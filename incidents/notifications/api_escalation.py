"""Duty rotas (one per team), escalation policies with their levels, and each member's channels.

Managers and owners write rotas and policies; every member reads them and sets their own
channels (`notification-channels/`)."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from incidents.notifications import escalation
from incidents.notifications.models import (
    Channel,
    DutyRota,
    EscalationLevel,
    EscalationPolicy,
    NotificationPreference,
    default_channels,
)
from tenants.api.fields import OrgPrimaryKeyRelatedField
from tenants.models import Brand, Membership, Role, Severity, Team
from tenants.tenancy import OrgAPIRequest, OrgScopedAPIView, OrgScopedViewSet


class OverrideSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    membership = OrgPrimaryKeyRelatedField(Membership)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


# Alike PolicySerializer below and the postmortems, playbooks and tenants serializers
# on purpose: a ModelSerializer's own fields, each of its own model.
class RotaSerializer(serializers.ModelSerializer):
    team = OrgPrimaryKeyRelatedField(Team)
    member_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    overrides = OverrideSerializer(many=True, read_only=True)
    on_duty = serializers.SerializerMethodField()

    class Meta:
        model = DutyRota
        fields = [
            "id",
            "team",
            "rotation",
            "shift_hours",
            "time_zone",
            "starts_at",
            "member_ids",
            "overrides",
            "on_duty",
        ]
        read_only_fields = ["id"]

    def get_on_duty(self, rota: DutyRota) -> int | None:
        return escalation.rota_on_duty(rota, timezone.now())


class LevelSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=EscalationLevel.Target.choices)
    delay_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60)


class PolicySerializer(serializers.ModelSerializer):
    brand = OrgPrimaryKeyRelatedField(Brand, required=False, allow_null=True)
    severity = serializers.ChoiceField(
        choices=[("", "any"), *Severity.choices], required=False, allow_blank=True
    )
    # The stubs omit the ListSerializer kwargs that many=True passes on.
    levels = LevelSerializer(many=True, min_length=1)  # type: ignore[call-arg]

    class Meta:
        model = EscalationPolicy
        fields = [
            "id",
            "name",
            "brand",
            "severity",
            "repeat",
            "quiet_start",
            "quiet_end",
            "time_zone",
            "levels",
        ]
        read_only_fields = ["id"]

    def to_representation(self, instance: EscalationPolicy) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["levels"] = [
            {"target": level.target, "delay_minutes": level.delay_minutes}
            for level in instance.levels.all()
        ]
        return data


class ChannelsSerializer(serializers.Serializer):
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), allow_empty=True
    )


class RotaViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    """A team's duty rota: who is on duty now (`on_duty`), its rotation and overrides."""

    scoped_model = DutyRota
    serializer_class = RotaSerializer
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    # Alike PolicyViewSet below on purpose: each viewset queries its own model and saves through
    # its own service (rota_save, policy_save) with its own fields.
    def scoped_queryset(self) -> QuerySet[DutyRota]:
        return (
            DutyRota.objects.visible_to(self.membership)
            .select_related("team")
            .prefetch_related("overrides")
            .order_by("id")
        )

    def _save(self, request: OrgAPIRequest, instance: DutyRota | None = None) -> DutyRota:
        serializer = self.get_serializer(instance, data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rota = escalation.rota_save(
            team=data["team"],
            by=request.membership,
            member_ids=data["member_ids"],
            starts_at=data["starts_at"],
            time_zone=data.get("time_zone", "UTC"),
            rotation=data.get("rotation", DutyRota.Rotation.WEEKLY),
            shift_hours=data.get("shift_hours", 168),
        )
        return self.get_queryset().get(pk=rota.pk)

    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        rota = self._save(request)
        return Response(self.get_serializer(rota).data, status=status.HTTP_201_CREATED)

    def update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        return Response(self.get_serializer(self._save(request, self.get_object())).data)

    @extend_schema(
        summary="Add an override to a duty rota",
        request=OverrideSerializer,
        responses={201: RotaSerializer},
    )
    @action(detail=True, methods=["post"])
    def overrides(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        rota = self.get_object()
        serializer = OverrideSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        escalation.rota_override_add(rota=rota, **serializer.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=rota.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class PolicyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    """Escalation policies: levels (on duty → team → brand manager → owners), each after a
    delay, repeated `repeat` times; quiet hours that SEV1 ignores."""

    scoped_model = EscalationPolicy
    serializer_class = PolicySerializer
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[EscalationPolicy]:
        return (
            EscalationPolicy.objects.visible_to(self.membership)
            .prefetch_related("levels")
            .order_by("id")
        )

    def _save(self, request: OrgAPIRequest, policy: EscalationPolicy | None = None) -> Any:
        serializer = self.get_serializer(policy, data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        saved = escalation.policy_save(
            organisation=self.organisation, policy=policy, severity=data.pop("severity", ""), **data
        )
        return self.get_serializer(self.get_queryset().get(pk=saved.pk)).data

    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        return Response(self._save(request), status=status.HTTP_201_CREATED)

    def update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        return Response(self._save(request, self.get_object()))


class NotificationChannelsView(OrgScopedAPIView):
    """The calling member's channels for escalation calls (telegram, email, webhook)."""

    action_roles = {"PUT": Role.VIEWER}
    http_method_names = ["get", "put", "options"]

    def _current(self, request: OrgAPIRequest) -> list[str]:
        preference = (
            NotificationPreference.objects.visible_to(request.membership)
            .filter(membership=request.membership)
            .first()
        )
        return list(preference.channels) if preference else default_channels()

    @extend_schema(summary="Get the notification channels", responses=ChannelsSerializer)
    def get(self, request: OrgAPIRequest, org_slug: str) -> Response:
        return Response({"channels": self._current(request)})

    @extend_schema(
        summary="Set the notification channels",
        request=ChannelsSerializer,
        responses=ChannelsSerializer,
    )
    def put(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = ChannelsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        escalation.channels_set(
            by=request.membership, channels=serializer.validated_data["channels"]
        )
        return Response({"channels": self._current(request)})
