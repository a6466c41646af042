"""Response templates (versioned) and the responses drafted on an incident."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from tenants.models import Brand, Membership, Organisation
from tenants.scoping import TenantQuerySet


class Channel(models.TextChoices):
    X = "x", "X"
    VK = "vk", "VK"
    TELEGRAM = "telegram", "Telegram"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    EMAIL = "email", _("Email")
    PRESS_RELEASE = "press_release", _("Press release")
    WEBSITE = "website", _("Website")
    SMS = "sms", "SMS"


# Characters a published text may have per channel; None: no limit.
CHANNEL_LIMITS: dict[str, int | None] = {
    Channel.X: 280,
    Channel.SMS: 160,
    Channel.TELEGRAM: 4096,
    Channel.VK: 4096,
    Channel.INSTAGRAM: 2200,
    Channel.FACEBOOK: 63206,
    Channel.EMAIL: None,
    Channel.PRESS_RELEASE: None,
    Channel.WEBSITE: None,
}
# Channels whose text ends up inside an HTML page or message: rendering also returns HTML.
HTML_CHANNELS = frozenset({Channel.EMAIL, Channel.WEBSITE, Channel.PRESS_RELEASE})


class Tone(models.TextChoices):
    APOLOGETIC = "apologetic", _("Apologetic")
    INFORMATIVE = "informative", _("Informative")
    EMPATHETIC = "empathetic", _("Empathetic")
    FIRM = "firm", _("Firm")


class Language(models.TextChoices):
    RU = "ru", _("Russian")
    EN = "en", _("English")


class ResponseTemplateQuerySet(TenantQuerySet["ResponseTemplate"]):
    def visible_to(self, membership: Membership | None) -> "ResponseTemplateQuerySet":
        """Every-brand templates plus those of the member's brands."""
        qs = super().visible_to(membership)
        ids = membership.brand_limits() if membership is not None else None
        if ids is not None:
            qs = qs.filter(models.Q(brand__isnull=True) | models.Q(brand_id__in=ids))
        return qs


class ResponseQuerySet(TenantQuerySet["Response"]):
    brand_field = "incident__brand_id"


# Alike Response and playbooks.models.Playbook on purpose: its own columns, manager and indexes
# (migrations read them); only the timestamps-manager-Meta idiom is shared.
class ResponseTemplate(models.Model):
    """Approved wording for one channel, language and tone. Body and variables live in versions:
    an edit adds a version, and a response keeps the version it was drafted from."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="response_templates"
    )
    # Null: usable for every brand of the organisation.
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="response_templates"
    )
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    tone = models.CharField(_("tone"), max_length=16, choices=Tone.choices)
    active = models.BooleanField(default=True)
    current_version = models.ForeignKey(
        "TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResponseTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "language", "channel"], name="template_org_lang"),
            models.Index(fields=["organisation", "brand"], name="template_org_brand"),
        ]
        constraints = [
            # NULL brands never collide in a plain unique index, hence the conditional pair.
            models.UniqueConstraint(
                fields=["organisation", "name", "language"],
                condition=models.Q(brand__isnull=True),
                name="template_unique_name_all_brands",
            ),
            models.UniqueConstraint(
                fields=["organisation", "brand", "name", "language"],
                condition=models.Q(brand__isnull=False),
                name="template_unique_name_per_brand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language}, {self.channel})"

    @property
    def limit(self) -> int | None:
        return CHANNEL_LIMITS[self.channel]


class TemplateVersion(models.Model):
    """One immutable wording of a template."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(
        ResponseTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    body = models.TextField()
    variables = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        indexes = [
            models.Index(fields=["organisation", "template", "-number"], name="tversion_org_tpl")
        ]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="tversion_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.number}"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class Response(models.Model):
    """A public reply on an incident: drafted, approved, then published (recorded, not posted)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="responses")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # RESTRICT: a template with responses cannot be deleted on its own (the response keeps the
    # exact wording it came from), yet the whole organisation can still be removed.
    template_version = models.ForeignKey(
        TemplateVersion,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="responses",
    )
    variables = models.JSONField(default=dict, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    author = models.ForeignKey(
        Membership, null=True, on_delete=models.SET_NULL, related_name="authored_responses"
    )
    approved_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_approved_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_reason = models.TextField(blank=True, default="")
    published_url = models.URLField(max_length=1000, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    client_approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    # Set once per submission by the escalation task's conditional UPDATE (its idempotency key).
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "incident", "-id"], name="response_org_incident"),
            models.Index(fields=["organisation", "status", "submitted_at"], name="response_org_st"),
        ]

    def __str__(self) -> str:
        return f"response {self.pk} ({self.channel}, {self.status})"

    @property
    def limit(self) -> int | None:
        return CHANNEL_LIMITS[self.channel]

    @property
    def client_approval_pending(self) -> bool:
        return (
            self.status == ResponseStatus.PENDING_APPROVAL
            and self.approved_by_id is not None
            and self.client_approved_by_id is None
        )


class StatementPageQuerySet(TenantQuerySet["StatementPage"]):
    brand_field = "incident__brand_id"


class StatementPage(models.Model):
    """The public page of an incident's published statements, opted in by a manager.

    The token is the page's only address (unguessable, 256 bits); withdrawing sets
    withdrawn_at, after which the token answers 404. Publishing again makes a new token so that
    an address once withdrawn never comes back to life.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="statement_page"
    )
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = StatementPageQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["organisation", "incident"], name="statement_org_inc")]

    def __str__(self) -> str:
        return f"statement page of incident {self.incident_id}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None

    @property
    def path(self) -> str:
        return f"/s/{self.token}/"


class StatementSubscriber(models.Model):
    """An email address following a statement page: mailed only once confirmed (double opt-in),
    never after unsubscribing or after the page is withdrawn."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(StatementPage, on_delete=models.CASCADE, related_name="subscribers")
    email = models.EmailField()
    language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "page"], name="statement_sub_org_page")]
        constraints = [
            models.UniqueConstraint(fields=["page", "email"], name="statement_sub_unique_email")
        ]

    def __str__(self) -> str:
        return f"{self.email} on page {self.page_id}"
