from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.models import Incident
from templates.models import (
    HTML_CHANNELS,
    Channel,
    Language,
    Response,
    ResponseStatus,
    ResponseTemplate,
    TemplateVersion,
    Tone,
)
from templates.rendering import html_of
from tenants.api.fields import OrgPrimaryKeyRelatedField
from tenants.models import Brand

VALUE_MAX_LENGTH = 10_000
BODY_MAX_LENGTH = 100_000


def _hidden_brand(serializer: serializers.Serializer, brand_id: int | None) -> bool:
    """Whether a brand-limited member is outside this brand (answered as "does not exist")."""
    membership = getattr(serializer.context.get("request"), "membership", None)
    return brand_id is not None and membership is not None and not membership.sees_brand(brand_id)


def _does_not_exist(pk: int) -> serializers.ValidationError:
    return serializers.ValidationError(f'Invalid pk "{pk}" - object does not exist.')


class VariablesField(serializers.DictField):
    """{"name": "value", …}: values are plain text, inserted as text."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "child",
            serializers.CharField(
                allow_blank=True, trim_whitespace=False, max_length=VALUE_MAX_LENGTH
            ),
        )
        super().__init__(**kwargs)


class TemplateSerializer(serializers.ModelSerializer):
    brand: "serializers.PrimaryKeyRelatedField[Brand]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    body = serializers.CharField(source="current_version.body", read_only=True)
    variables = serializers.ListField(
        source="current_version.variables", child=serializers.CharField(), read_only=True
    )
    version = serializers.IntegerField(source="current_version.number", read_only=True)
    limit = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ResponseTemplate
        fields = [
            "id",
            "brand",
            "name",
            "channel",
            "language",
            "tone",
            "active",
            "body",
            "variables",
            "version",
            "limit",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TemplateWriteSerializer(serializers.Serializer):
    brand = OrgPrimaryKeyRelatedField(Brand, allow_null=True, required=False)
    name = serializers.CharField(max_length=200)
    channel = serializers.ChoiceField(choices=Channel.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    tone = serializers.ChoiceField(choices=Tone.choices)
    active = serializers.BooleanField(required=False)
    body = serializers.CharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False)
    variables = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=50, required=False, default=list
    )

    def validate_brand(self, brand: Brand | None) -> Brand | None:
        if brand is not None and _hidden_brand(self, brand.id):
            raise _does_not_exist(brand.id)
        return brand


class TemplateVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None)

    class Meta:
        model = TemplateVersion
        fields = ["number", "body", "variables", "created_by", "created_at"]
        read_only_fields = fields


class RenderRequestSerializer(serializers.Serializer):
    variables = VariablesField(required=False, default=dict)
    incident = OrgPrimaryKeyRelatedField(Incident, required=False, allow_null=True)

    def validate_incident(self, incident: Incident | None) -> Incident | None:
        if incident is not None and _hidden_brand(self, incident.brand_id):
            raise _does_not_exist(incident.id)
        return incident


class RenderResultSerializer(serializers.Serializer):
    text = serializers.CharField()
    html = serializers.CharField(required=False, help_text="email, website, press_release only")
    length = serializers.IntegerField()
    limit = serializers.IntegerField(allow_null=True)
    within_limit = serializers.BooleanField()
    warnings = serializers.ListField(child=serializers.CharField())


class MemberBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")


# A plain string in the schema: as an enum it collides with the incident's "status" enum
# (drf-spectacular would need an ENUM_NAME_OVERRIDES entry in the settings).
@extend_schema_field(
    {"type": "string", "description": "One of: " + ", ".join(ResponseStatus.values)}
)
class ResponseStatusField(serializers.CharField):
    pass


class ResponseSerializer(serializers.ModelSerializer):
    author = MemberBriefSerializer(allow_null=True)
    approved_by = MemberBriefSerializer(allow_null=True)
    client_approved_by = MemberBriefSerializer(allow_null=True)
    rejected_by = MemberBriefSerializer(allow_null=True)
    template = serializers.IntegerField(
        source="template_version.template_id", default=None, allow_null=True
    )
    template_version = serializers.IntegerField(
        source="template_version.number", default=None, allow_null=True
    )
    html = serializers.SerializerMethodField()
    length = serializers.SerializerMethodField()
    limit = serializers.IntegerField(allow_null=True)
    client_approval_pending = serializers.BooleanField()
    status = ResponseStatusField()
    # Empty until published, so not a `uri` in the schema (an empty string is none).
    published_url = serializers.CharField(
        help_text="Where the response was published; empty until then"
    )

    class Meta:
        model = Response
        fields = [
            "id",
            "incident",
            "channel",
            "status",
            "body",
            "html",
            "length",
            "limit",
            "template",
            "template_version",
            "variables",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "client_approval_pending",
            "client_approved_by",
            "client_approved_at",
            "rejected_by",
            "rejected_at",
            "rejected_reason",
            "escalated_at",
            "published_url",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_html(self, obj: Response) -> str | None:
        return html_of(obj.body) if obj.channel in HTML_CHANNELS else None

    def get_length(self, obj: Response) -> int:
        return len(obj.body)


class ResponseWriteSerializer(serializers.Serializer):
    """Free text ({channel, body}) or a template ({template, variables})."""

    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    body = serializers.CharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False, required=False)
    template = OrgPrimaryKeyRelatedField(ResponseTemplate, required=False)
    variables = VariablesField(required=False)

    def validate_template(self, template: ResponseTemplate) -> ResponseTemplate:
        if _hidden_brand(self, template.brand_id):
            raise _does_not_exist(template.id)
        return template

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "body" in attrs and "template" in attrs:
            raise serializers.ValidationError(
                {"body": ["Give either a body or a template, not both."]}
            )
        if "variables" in attrs and "template" not in attrs:
            raise serializers.ValidationError({"variables": ["Variables need a template."]})
        return attrs


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class PublishSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=1000)
    published_at = serializers.DateTimeField(required=False)
