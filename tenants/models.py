"""The tenant (an agency), its client brands, its people and their roles."""

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from tenants.scoping import TenantQuerySet


class Severity(models.TextChoices):
    SEV1 = "sev1", _("SEV1 — critical")
    SEV2 = "sev2", _("SEV2 — major")
    SEV3 = "sev3", _("SEV3 — moderate")
    SEV4 = "sev4", _("SEV4 — minor")


# Minutes to acknowledge, to the first public response and to resolve, per severity.
DEFAULT_SLA_TARGETS: dict[str, dict[str, int]] = {
    "sev1": {"acknowledge": 15, "first_response": 60, "resolve": 24 * 60},
    "sev2": {"acknowledge": 30, "first_response": 120, "resolve": 48 * 60},
    "sev3": {"acknowledge": 120, "first_response": 480, "resolve": 5 * 24 * 60},
    "sev4": {"acknowledge": 480, "first_response": 24 * 60, "resolve": 10 * 24 * 60},
}
SLA_KINDS = ("acknowledge", "first_response", "resolve")


def default_sla_targets() -> dict[str, dict[str, int]]:
    return {sev: dict(targets) for sev, targets in DEFAULT_SLA_TARGETS.items()}


def default_languages() -> list[str]:
    return ["ru", "en"]


def new_ingest_secret() -> str:
    return secrets.token_hex(32)


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    sla_targets = models.JSONField(_("SLA targets (minutes)"), default=default_sla_targets)
    postmortem_reminder_days = models.PositiveSmallIntegerField(default=3)
    approval_escalation_minutes = models.PositiveIntegerField(default=30)
    webhook_url = models.URLField(blank=True, default="")
    webhook_secret = models.CharField(max_length=64, blank=True, default=new_ingest_secret)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def sla_minutes(self, severity: str, kind: str) -> int:
        """The target for one severity and kind, falling back to the defaults."""
        targets: dict[str, Any] = self.sla_targets.get(severity) or {}
        return int(targets.get(kind, DEFAULT_SLA_TARGETS[severity][kind]))


class OrganisationLogo(models.Model):
    """The agency's logo, re-encoded as PNG by tenants.branding (never the uploaded bytes).
    Apart from Organisation, which every request loads, so that the image is read only where
    it is shown."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="logo"
    )
    image = models.BinaryField()
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Logo of organisation {self.organisation_id}"


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=120)
    members = models.ManyToManyField("tenants.Membership", related_name="teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class BrandQuerySet(TenantQuerySet["Brand"]):
    brand_field = "id"


# Alike Team on purpose: Django's model declaration (fields, manager, ordering, a uniqueness
# per organisation); a brand is unique by slug, a team by name.
class Brand(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="brands")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60)
    languages = models.JSONField(_("languages"), default=default_languages)
    default_teams = models.ManyToManyField(Team, related_name="default_for_brands", blank=True)
    ingest_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ingest_secret = models.CharField(max_length=64, default=new_ingest_secret, editable=False)
    require_client_approval = models.BooleanField(default=False)
    # What the brand's audience reads: public statement pages, client reports (IANA name).
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BrandQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="brand_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def language(self) -> str:
        """The brand's first language: what its public pages and client reports speak."""
        return (self.languages or ["en"])[0]


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    RESPONDER = "responder", _("Responder")
    VIEWER = "viewer", _("Viewer")


ROLE_RANK = {Role.VIEWER: 0, Role.RESPONDER: 1, Role.MANAGER: 2, Role.OWNER: 3}


class MemberKind(models.TextChoices):
    """Agency staff work incidents; client staff (the brand's own people) see only what is
    meant for the client: `incidents.models.visibilities_for` and the door's client routes."""

    AGENCY = "agency", _("Agency staff")
    CLIENT = "client", _("Client staff")


def display_name(user: Any) -> str:
    """How a person is named to people outside the agency (client staff): the full name,
    never the username or the email; someone without a name is "Agency staff"."""
    if user is None:
        return "CrisisDesk"
    return user.get_full_name().strip() or str(_("Agency staff"))


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    # Explicit, never inferred from a brand limit: agency staff may be brand-limited too; a
    # client member always is (tenants.services refuses one without a brand).
    kind = models.CharField(
        _("kind"), max_length=8, choices=MemberKind.choices, default=MemberKind.AGENCY
    )
    # Empty means every brand of the organisation; otherwise only these.
    brands = models.ManyToManyField(Brand, related_name="limited_members", blank=True)
    is_client_approver = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    # The brand limits, read once per instance (tenants.tenancy.resolve reads them up front).
    _brand_limits: list[int] | None = None

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(minimum)]

    def brand_limits(self) -> list[int] | None:
        """The brands a limited member may see, or None for every brand of the organisation."""
        if self._brand_limits is None:
            self.brand_limits_load()
        return self._brand_limits or None

    def brand_limits_load(self) -> None:
        self._brand_limits = list(self.brands.values_list("id", flat=True))

    @property
    def is_brand_limited(self) -> bool:
        return self.brand_limits() is not None

    def sees_brand(self, brand_id: int | None) -> bool:
        """Whether a row of this brand is within the member's brand limits."""
        ids = self.brand_limits()
        return ids is None or brand_id in ids

    @property
    def is_client(self) -> bool:
        return self.kind == MemberKind.CLIENT

    @property
    def sees_whole_organisation(self) -> bool:
        """Owners and managers see every incident, whatever team it is assigned to."""
        return self.has_role(Role.MANAGER)


class Invitation(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.RESPONDER)
    kind = models.CharField(max_length=8, choices=MemberKind.choices, default=MemberKind.AGENCY)
    # The brand limits the membership gets on acceptance (a client invitation names one or more).
    brands = models.ManyToManyField(Brand, related_name="+", blank=True)
    # Only a hash is stored: the token itself is shown once, to the inviter.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organisation", "email"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"


class WebSocketTicket(models.Model):
    """A one-time, 30-second credential for opening a WebSocket without a token in the URL."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ticket of {self.user_id} until {self.expires_at:%H:%M:%S}"


class ApiToken(AbstractAuthToken):
    """An API token of one device (django-rest-knox): stored as a SHA-512 digest, expiring,
    revocable. `public_id` names it in the list and revoke endpoints; the token itself is
    shown once, when issued."""

    # knox ships no types, so the plugin does not see a model here: the fields are annotated.
    public_id: "models.UUIDField[str | uuid.UUID, uuid.UUID]" = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False
    )
    name: "models.CharField[str, str]" = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"token {self.public_id} of {self.user_id}"


# Alike Invitation on purpose: Django's model declaration of two organisation rows ordered
# newest first, each indexed for its own lookup (an invitee's email, the audit's date).
class AuditEntry(models.Model):
    """Who changed access or exported data, and when. Append-only."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)
    # The client address of the request that made the change (crisisdesk/core/client_ip.py);
    # empty for tasks and commands.
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"


class UserProfile(models.Model):
    """A person's own settings, whatever organisation they work in: language and time zone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # Empty: follow the browser (Accept-Language) or the anonymous language cookie.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # The address the user proved they receive mail at (a verification link, an accepted
    # invitation); verified while it equals the account's email.
    verified_email = models.EmailField(blank=True, default="")
    email_verified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"profile of {self.user_id}"
