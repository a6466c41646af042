from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisisdesk.core.time import iso_z
from incidents.models import TRANSITIONS, Incident, IncidentEvent, Status, Visibility
from incidents.realtime import event_data
from incidents.sla import sla_clocks, sla_clocks_of
from tenants.api.fields import OrgPrimaryKeyRelatedField
from tenants.models import Brand, Membership, Organisation, Severity, Team


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


# Alike selectors.py:INCIDENT_ROW_FIELDS on purpose: the API's fields, not the list's columns.
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

    # The declared fields above are the contract: the OpenAPI schema, and the oracle of the
    # test that compares both paths. The API writes the JSON from plain `values()` rows
    # (`selectors.incident_rows`); DRF's field machinery over model instances cost two thirds
    # of the list request (bench/FINDINGS.md).
    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        cache = self.__dict__.setdefault("_row_cache", {})
        if not cache:
            request = self.context.get("request")
            cache.update(
                tz=timezone.get_current_timezone(),
                now=timezone.now(),
                organisation=getattr(request, "organisation", None),
            )
        organisation = cache["organisation"]
        if organisation is None or organisation.id != instance["organisation_id"]:
            organisation = cache["organisation"] = Organisation.objects.get(
                pk=instance["organisation_id"]
            )
        data = incident_json(instance, organisation=organisation, now=cache["now"], tz=cache["tz"])
        membership = getattr(self.context.get("request"), "membership", None)
        if membership is not None and membership.is_client:
            # Client staff read status, severity and SLA state; who commands is the agency's.
            data["commander"] = None
        return data

    @extend_schema_field(SlaSerializer)
    def get_sla(self, obj: Incident) -> dict[str, Any]:
        # DRF's declared path (not the one the API answers with): the test's independent oracle.
        clocks = sla_clocks(obj)
        return SlaSerializer().to_representation({k: c.as_dict() for k, c in clocks.items()})

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj: Incident) -> list[str]:
        return [s for s in obj.allowed_next() if s != Status.CLOSED]


_ALLOWED = {
    status: [str(s) for s in following if s != Status.CLOSED]
    for status, following in TRANSITIONS.items()
}


def incident_json(
    row: dict[str, Any], *, organisation: Organisation, now: datetime, tz: tzinfo
) -> dict[str, Any]:
    """An incident's API representation from a row of `selectors.INCIDENT_ROW_FIELDS` plus
    its teams: exactly what IncidentSerializer's declared fields describe."""
    clocks = sla_clocks_of(
        organisation=organisation,
        severity=row["severity"],
        status=row["status"],
        detected_at=row["detected_at"],
        milestones=row,
        now=now,
    )
    commander_id = row["commander_id"]
    return {
        "id": row["id"],
        "brand": {"id": row["brand_id"], "name": row["brand__name"], "slug": row["brand__slug"]},
        "title": row["title"],
        "summary": row["summary"],
        "severity": row["severity"],
        "status": row["status"],
        "source": row["source"],
        "crisis_type": row["crisis_type"],
        "is_drill": row["is_drill"],
        "commander": (
            {"id": commander_id, "username": row["commander__user__username"]}
            if commander_id is not None
            else None
        ),
        "teams": [{"id": team["id"], "name": team["name"]} for team in row["teams"]],
        "detected_at": iso_z(row["detected_at"], tz),
        "acknowledged_at": iso_z(row["acknowledged_at"], tz),
        "first_response_at": iso_z(row["first_response_at"], tz),
        "resolved_at": iso_z(row["resolved_at"], tz),
        "closed_at": iso_z(row["closed_at"], tz),
        "created_at": iso_z(row["created_at"], tz),
        "updated_at": iso_z(row["updated_at"], tz),
        "sla": {
            kind: {
                "target_minutes": clock.target_minutes,
                "due_at": iso_z(clock.due_at, tz),
                "met_at": iso_z(clock.met_at, tz),
                "breached": clock.breached,
            }
            for kind, clock in clocks.items()
        },
        "allowed_transitions": list(_ALLOWED[row["status"]]),
    }


class IncidentCreateSerializer(serializers.Serializer):
    brand = OrgPrimaryKeyRelatedField(Brand)
    title = serializers.CharField(max_length=300)
    severity = serializers.ChoiceField(choices=Severity.choices)
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    teams = OrgPrimaryKeyRelatedField(Team, many=True, required=False)
    is_drill = serializers.BooleanField(required=False, default=False)

    def validate_brand(self, brand: Brand) -> Brand:
        membership = self.context["request"].membership
        if not membership.sees_brand(brand.id):
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
    visibility = serializers.ChoiceField(
        choices=Visibility.choices,
        default=Visibility.INTERNAL,
        help_text="internal (the default: the agency only) or client (client staff read it too)",
    )


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    payload = serializers.JSONField()
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: IncidentEvent) -> dict[str, Any]:
        return event_data(instance, for_client=bool(self.context.get("for_client")))


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
