from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.models import Incident, IncidentEvent, Status
from incidents.realtime import event_data
from incidents.sla import sla_clocks
from tenants.api.fields import OrgPrimaryKeyRelatedField
from tenants.models import Brand, Membership, Severity, Team
from tenants.selectors import limited_brand_ids


class BrandBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class TeamBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CommanderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")


class SlaClockSerializer(serializers.Serializer):
    target_minutes = serializers.IntegerField()
    due_at = serializers.DateTimeField()
    met_at = serializers.DateTimeField(allow_null=True)
    breached = serializers.BooleanField()


class SlaSerializer(serializers.Serializer):
    acknowledge = SlaClockSerializer()
    first_response = SlaClockSerializer()
    resolve = SlaClockSerializer()


class IncidentSerializer(serializers.ModelSerializer):
    brand = BrandBriefSerializer()
    teams = TeamBriefSerializer(many=True)
    commander = CommanderSerializer(allow_null=True)
    sla = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "brand",
            "title",
            "summary",
            "severity",
            "status",
            "source",
            "crisis_type",
            "is_drill",
            "commander",
            "teams",
            "detected_at",
            "acknowledged_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
            "sla",
            "allowed_transitions",
        ]

    @extend_schema_field(SlaSerializer)
    def get_sla(self, obj: Incident) -> dict[str, Any]:
        organisation = getattr(self.context.get("request"), "organisation", None)
        if organisation is not None and organisation.id == obj.organisation_id:
            obj.organisation = organisation  # no query per row
        clocks = sla_clocks(obj)
        # One SlaSerializer per list, not per row: building one deep-copies its nested fields,
        # which cost more than the rest of the row (bench/FINDINGS.md).
        sla = self.__dict__.get("_sla_serializer")
        if sla is None:
            sla = self._sla_serializer = SlaSerializer()
        return sla.to_representation({k: c.as_dict() for k, c in clocks.items()})

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj: Incident) -> list[str]:
        return [s for s in obj.allowed_next() if s != Status.CLOSED]


class IncidentCreateSerializer(serializers.Serializer):
    brand = OrgPrimaryKeyRelatedField(Brand)
    title = serializers.CharField(max_length=300)
    severity = serializers.ChoiceField(choices=Severity.choices)
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    teams = OrgPrimaryKeyRelatedField(Team, many=True, required=False)
    is_drill = serializers.BooleanField(required=False, default=False)

    def validate_brand(self, brand: Brand) -> Brand:
        membership = self.context["request"].membership
        ids = limited_brand_ids(membership)
        if ids is not None and brand.id not in ids:
            raise serializers.ValidationError(f'Invalid pk "{brand.id}" - object does not exist.')
        return brand


class IncidentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


class AssignSerializer(serializers.Serializer):
    teams = OrgPrimaryKeyRelatedField(Team, many=True, required=False)
    commander = OrgPrimaryKeyRelatedField(Membership, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "teams" not in attrs and "commander" not in attrs:
            raise serializers.ValidationError({"teams": ["Give teams, a commander, or both."]})
        return attrs


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    payload = serializers.JSONField()
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: IncidentEvent) -> dict[str, Any]:
        return event_data(instance)


class DurationStatsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)
    within_sla_share = serializers.FloatField(allow_null=True)


class ResponseTimesSerializer(serializers.Serializer):
    tta = DurationStatsSerializer()
    ttfr = DurationStatsSerializer()
    ttr = DurationStatsSerializer()


class ResponseTimesQuerySerializer(serializers.Serializer):
    """Query parameters `from`, `to` (reserved words in Python, hence get_fields)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.DateTimeField(required=False, source="date_from"),
            "to": serializers.DateTimeField(required=False, source="date_to"),
            "brand": serializers.IntegerField(required=False, min_value=1),
            "severity": serializers.ChoiceField(choices=Severity.choices, required=False),
        }
