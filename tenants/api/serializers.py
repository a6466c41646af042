from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisisdesk.core.outbound import OutboundRefused, check_url
from tenants.api.fields import OrgPrimaryKeyRelatedField
from tenants.models import (
    SLA_KINDS,
    Brand,
    MemberKind,
    Membership,
    Organisation,
    Role,
    Severity,
    Team,
    display_name,
)
from tenants.policies import sees_ingest_id

User = get_user_model()


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("A user with that username already exists.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = User(username=attrs["username"], email=attrs["email"])
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email"]


class OrganisationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "slug"]


class MyMembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationBriefSerializer()
    brands = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "organisation", "role", "kind", "brands", "is_client_approver"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_brands(self, obj: Membership) -> list[int]:
        return [brand.id for brand in obj.brands.all()]


class MeSerializer(serializers.ModelSerializer):
    memberships = MyMembershipSerializer(many=True)
    email_verified = serializers.BooleanField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "memberships", "email_verified"]


class SlaTargetsField(serializers.JSONField):
    """{"sev1": {"acknowledge": 15, "first_response": 60, "resolve": 1440}, …} in minutes."""

    def to_internal_value(self, data: Any) -> Any:
        data = super().to_internal_value(data)
        if not isinstance(data, dict):
            raise serializers.ValidationError("Expected an object keyed by severity.")
        for severity, targets in data.items():
            if severity not in Severity.values:
                raise serializers.ValidationError(f"Unknown severity {severity!r}.")
            if not isinstance(targets, dict):
                raise serializers.ValidationError(f"{severity}: expected an object.")
            for kind, minutes in targets.items():
                if kind not in SLA_KINDS:
                    raise serializers.ValidationError(f"{severity}: unknown target {kind!r}.")
                if (
                    not isinstance(minutes, int)
                    or isinstance(minutes, bool)
                    or not 1 <= minutes <= 525600
                ):
                    raise serializers.ValidationError(
                        f"{severity}.{kind}: minutes must be an integer from 1 to 525600."
                    )
        return data


class OrganisationSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=60, required=False)
    sla_targets = SlaTargetsField(required=False)
    role = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "slug",
            "sla_targets",
            "postmortem_reminder_days",
            "approval_escalation_minutes",
            "webhook_url",
            "created_at",
            "role",
        ]
        read_only_fields = ["id", "created_at", "role"]

    # Alike WebhookForm.clean_webhook_url (tenants/forms.py) on purpose: the policy is one
    # function, check_url; each raises its own framework's ValidationError.
    def validate_webhook_url(self, value: str) -> str:
        """The outbound policy at save time (and again at each delivery): no loopback,
        private, link-local … address, whatever the host name."""
        if value:
            try:
                check_url(value)
            except OutboundRefused as exc:
                raise serializers.ValidationError(str(exc), code=exc.reason) from exc
        return value

    def get_role(self, obj: Organisation) -> str | None:
        membership = getattr(self.context.get("request"), "membership", None)
        if membership is not None and membership.organisation_id == obj.id:
            return membership.role
        roles = self.context.get("roles", {})
        return roles.get(obj.id)


class OrganisationCreatedSerializer(OrganisationSerializer):
    webhook_secret = serializers.CharField(read_only=True)

    class Meta(OrganisationSerializer.Meta):
        fields = [*OrganisationSerializer.Meta.fields, "webhook_secret"]


class WebhookSecretSerializer(serializers.Serializer):
    webhook_secret = serializers.CharField()


class OrganisationUpdateSerializer(OrganisationSerializer):
    slug = serializers.SlugField(read_only=True)


# Alike OrganisationSerializer on purpose: each model's own DRF field list; a brand's languages
# and default teams, an organisation's SLA targets and webhook.
class BrandSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=60, required=False)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=["ru", "en"]), required=False, max_length=2
    )
    default_teams = OrgPrimaryKeyRelatedField(Team, many=True, required=False)

    class Meta:
        model = Brand
        fields = [
            "id",
            "name",
            "slug",
            "languages",
            "default_teams",
            "require_client_approval",
            "ingest_id",
            "created_at",
        ]
        read_only_fields = ["id", "ingest_id", "created_at"]

    def to_representation(self, instance: Brand) -> dict[str, Any]:
        data = super().to_representation(instance)
        membership = getattr(self.context.get("request"), "membership", None)
        if membership is None or not sees_ingest_id(membership):
            data.pop("ingest_id", None)
        return data


# Alike OrganisationCreatedSerializer and WebhookSecretSerializer on purpose: each shows its own
# secret once (a brand's ingest secret, an organisation's webhook secret).
class BrandWithSecretSerializer(BrandSerializer):
    ingest_secret = serializers.CharField(read_only=True)

    class Meta(BrandSerializer.Meta):
        fields = [*BrandSerializer.Meta.fields, "ingest_secret"]


class BrandSecretSerializer(serializers.Serializer):
    ingest_id = serializers.UUIDField()
    ingest_secret = serializers.CharField()


class TeamMemberBriefSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ["id", "username", "role"]


class TeamSerializer(serializers.ModelSerializer):
    members = OrgPrimaryKeyRelatedField(Membership, many=True, required=False)

    class Meta:
        model = Team
        fields = ["id", "name", "members", "created_at"]
        read_only_fields = ["id", "created_at"]


class TeamMemberSerializer(serializers.Serializer):
    membership = OrgPrimaryKeyRelatedField(Membership)


class MemberSerializer(serializers.ModelSerializer):
    user = UserSerializer(read_only=True)
    kind = serializers.ChoiceField(choices=MemberKind.choices, required=False)
    brands = OrgPrimaryKeyRelatedField(Brand, many=True, required=False)
    teams = serializers.PrimaryKeyRelatedField[Team](many=True, read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "role",
            "kind",
            "brands",
            "is_client_approver",
            "teams",
            "created_at",
        ]
        read_only_fields = ["id", "user", "teams", "created_at"]


class MemberContactSerializer(serializers.Serializer):
    """A member as client staff see them: a display name, never a username or an email."""

    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    kind = serializers.CharField()

    def get_name(self, obj: Membership) -> str:
        return display_name(obj.user)


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.RESPONDER)
    kind = serializers.ChoiceField(choices=MemberKind.choices, default=MemberKind.AGENCY)
    brands = OrgPrimaryKeyRelatedField(Brand, many=True, required=False)


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.CharField()
    kind = serializers.CharField()
    brands = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_brands(self, obj: Any) -> list[int]:
        return [brand.id for brand in obj.brands.all()]


class InvitationCreatedSerializer(InvitationSerializer):
    token = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, style={"input_type": "password"}, trim_whitespace=False
    )
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="The device, for the token list.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = authenticate(
            request=self.context.get("request"),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()
    id = serializers.UUIDField()


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField()
    current = serializers.SerializerMethodField()

    def get_current(self, obj: Any) -> bool:
        return obj.digest == self.context.get("current")


class TicketSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField()


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    actor = serializers.CharField(source="actor.username", default=None)
    action = serializers.CharField()
    target = serializers.CharField()
    payload = serializers.JSONField()
    ip_address = serializers.IPAddressField(allow_null=True)
    created_at = serializers.DateTimeField()


class OrganisationDeletedSerializer(serializers.Serializer):
    deleted_at = serializers.DateTimeField()
    purge_after = serializers.DateTimeField()
