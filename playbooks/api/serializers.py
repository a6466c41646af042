from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.api.serializers import TeamBriefSerializer
from playbooks.models import (
    STEP_FIELDS,
    STEP_OWNER_ROLES,
    IncidentTask,
    Language,
    Playbook,
    PlaybookStep,
)
from playbooks.starter import CRISIS_TYPES
from templates.api.serializers import MemberBriefSerializer
from templates.models import ResponseTemplate
from tenants.api.fields import OrgPrimaryKeyRelatedField
from tenants.models import Membership, Severity, Team

CRISIS_TYPE_CHOICES = [(code, english) for code, english, _russian in CRISIS_TYPES]
MAX_OFFSET_MINUTES = 60 * 24 * 365


class PlaybookStepSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        required=False, help_text="Give an existing step's id to keep it (tasks stay linked)."
    )
    owner_team = OrgPrimaryKeyRelatedField(Team, allow_null=True, required=False)
    owner_role = serializers.ChoiceField(
        choices=[("", "none"), *STEP_OWNER_ROLES], required=False, default=""
    )
    due_offset_minutes = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET_MINUTES)
    template = OrgPrimaryKeyRelatedField(ResponseTemplate, allow_null=True, required=False)

    class Meta:
        model = PlaybookStep
        fields = ["id", *STEP_FIELDS]
        read_only_fields = ["position"]
        extra_kwargs = {"guidance": {"max_length": 10000}}


# Inline in the schema: as a component it would duplicate the incident's severity enum.
@extend_schema_field({"type": "string", "enum": ["", *Severity.values]})
class SuggestedSeverityField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[("", "none"), *Severity.choices], **kwargs)


# Alike tenants' OrganisationSerializer on purpose: a ModelSerializer's Meta lists its own
# model's public fields; only the Meta syntax is shared.
class PlaybookSerializer(serializers.ModelSerializer):
    crisis_type = serializers.ChoiceField(choices=CRISIS_TYPE_CHOICES)
    language = serializers.ChoiceField(choices=Language.choices)
    suggested_severity = SuggestedSeverityField(required=False, default="")
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=50, required=False, default=list
    )
    # The stubs omit the ListSerializer kwargs that many=True passes on.
    steps = PlaybookStepSerializer(many=True, min_length=1, max_length=50)  # type: ignore[call-arg]

    class Meta:
        model = Playbook
        fields = [
            "id",
            "name",
            "crisis_type",
            "language",
            "description",
            "suggested_severity",
            "keywords",
            "active",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"description": {"max_length": 10000}}


class ReorderSerializer(serializers.Serializer):
    steps = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=50)


class CrisisTypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    en = serializers.CharField()
    ru = serializers.CharField()


def crisis_types() -> list[dict[str, str]]:
    return [{"code": code, "en": en, "ru": ru} for code, en, ru in CRISIS_TYPES]


class ApplyPlaybookSerializer(serializers.Serializer):
    playbook = OrgPrimaryKeyRelatedField(Playbook)


# Alike tenants' OrganisationSerializer on purpose: the task's own read-only field list.
class IncidentTaskSerializer(serializers.ModelSerializer):
    owner_team = TeamBriefSerializer(allow_null=True)
    assignee = MemberBriefSerializer(allow_null=True)
    done_by = MemberBriefSerializer(allow_null=True)
    overdue = serializers.SerializerMethodField()
    late = serializers.BooleanField()

    class Meta:
        model = IncidentTask
        fields = [
            "id",
            "incident",
            "playbook",
            "step",
            "position",
            "title",
            "guidance",
            "owner_team",
            "owner_role",
            "template",
            "assignee",
            "due_at",
            "done_at",
            "done_by",
            "overdue",
            "late",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: IncidentTask) -> bool:
        now: datetime = self.context.get("now") or timezone.now()
        return obj.is_overdue(now)


class TaskCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    overdue = serializers.IntegerField()


class TaskListSerializer(serializers.Serializer):
    counts = TaskCountsSerializer()
    results = IncidentTaskSerializer(many=True)


class AppliedPlaybookSerializer(serializers.Serializer):
    playbook = serializers.IntegerField()
    crisis_type = serializers.CharField()
    counts = TaskCountsSerializer()
    tasks = IncidentTaskSerializer(many=True)


class TaskAssignSerializer(serializers.Serializer):
    assignee = OrgPrimaryKeyRelatedField(Membership, allow_null=True)


# Alike tenants' InvitationSerializer on purpose: a plain read shape of its own fields.
class PlaybookBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    crisis_type = serializers.CharField()
    language = serializers.CharField()
    suggested_severity = serializers.CharField()
    description = serializers.CharField()


class SuggestionSerializer(serializers.Serializer):
    playbook = PlaybookBriefSerializer()
    score = serializers.FloatField()
    matched_keywords = serializers.ListField(child=serializers.CharField())
    language_match = serializers.BooleanField()
    applied = serializers.SerializerMethodField()

    @extend_schema_field(serializers.BooleanField())
    def get_applied(self, obj: Any) -> bool:
        return obj.playbook.id in self.context.get("applied_ids", ())


class SuggestionQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=50, required=False, default=5)
