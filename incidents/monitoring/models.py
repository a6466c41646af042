"""Monitoring: mentions, the rules that watch them, and the per-minute counters detection sums."""

from typing import TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Brand, Organisation, Severity
from tenants.scoping import TenantQuerySet

_M = TypeVar("_M", bound=models.Model)


# Alike templates/models.py:Channel on purpose: where a mention was posted, not where a reply
# is sent; the two lists of places grow apart.
class Platform(models.TextChoices):
    VK = "vk", "VK"
    TELEGRAM = "telegram", "Telegram"
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    YOUTUBE = "youtube", "YouTube"
    NEWS = "news", _("News")
    REVIEWS = "reviews", _("Reviews")
    OTHER = "other", _("Other")


class SentimentLabel(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


# Alike the other apps' status choices and tenant querysets (postmortems/models.py:
# ActionItemStatus on purpose): Django declarations, each with its own values and scope field.
class SentimentSource(models.TextChoices):
    """Which scorer gave a mention its sentiment label."""

    DEFAULT = "default", _("Default analyser")
    ORGANISATION = "organisation", _("Organisation model")
    HUMAN = "human", _("Corrected by staff")


class BrandOwnedQuerySet(TenantQuerySet[_M]):
    brand_field = "brand_id"


class RuleMeasure(models.TextChoices):
    """What a volume rule counts in its window: negative posts, or their authors' reach."""

    MENTIONS = "mentions", _("Negative mentions")
    REACH = "reach", _("Negative reach")


# Alike the other brand-owned models (Mention below, incidents/models.py:Incident,
# playbooks/models.py:Playbook, postmortems) on purpose: each table declares its own
# organisation/brand keys (related names differ), timestamps, ordering and indexes.
class MonitoringRule(models.Model):
    """What makes monitoring open an incident for a brand.

    A keyword (or phrase) match opens one by itself; with `min_negative` set, so does a
    window holding at least `min_negative` of the rule's `measure` (negative mentions, or the
    summed reach of the negative mentions) and at least `multiplier` times the brand's
    baseline of that measure (per window over the past 7 days).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="monitoring_rules"
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="monitoring_rules")
    name = models.CharField(_("name"), max_length=120)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    window_minutes = models.PositiveIntegerField(_("window (minutes)"), default=15)
    # None: no volume trigger (a keyword-only rule).
    min_negative = models.PositiveBigIntegerField(
        _("minimum negative volume in the window"), null=True, blank=True
    )
    multiplier = models.FloatField(_("multiplier over the baseline"), default=3.0)
    # What min_negative, the window and the baseline count. Reach: a few loud posts weigh
    # more than many quiet ones.
    measure = models.CharField(
        _("measure"), max_length=8, choices=RuleMeasure.choices, default=RuleMeasure.MENTIONS
    )
    # None: no reach trigger. Set: one negative mention with at least this reach (followers,
    # members, subscribers of its author) opens an incident by itself (the influencer case).
    min_reach = models.PositiveBigIntegerField(
        _("reach of a single negative mention that opens an incident"), null=True, blank=True
    )
    severity = models.CharField(
        _("severity"), max_length=4, choices=Severity.choices, default=Severity.SEV2
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BrandOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "brand", "active"], name="rule_org_brand_active"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.brand_id})"

    @property
    def watches_volume(self) -> bool:
        return self.min_negative is not None


# Alike MonitoringRule and the other apps' models (incidents/models.py:Incident, notifications,
# postmortems) on purpose: the incident key, timestamps and Meta are this table's own, with
# its own related names, uniqueness and indexes.
class Mention(models.Model):
    """One post, comment or article about a brand. Ingest is an upsert on the external id."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="mentions")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    external_id = models.CharField(max_length=200)
    author = models.CharField(max_length=200, blank=True, default="")
    text = models.TextField()
    url = models.URLField(max_length=2000, blank=True, default="")
    language = models.CharField(max_length=16, blank=True, default="")
    posted_at = models.DateTimeField()
    reach = models.PositiveBigIntegerField(default=0)
    sentiment_score = models.FloatField(default=0.0)
    sentiment_label = models.CharField(
        max_length=8, choices=SentimentLabel.choices, default=SentimentLabel.NEUTRAL
    )
    # A human label is never overwritten by a scorer (re-ingest keeps it).
    sentiment_source = models.CharField(
        max_length=12, choices=SentimentSource.choices, default=SentimentSource.DEFAULT
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentions",
    )
    flagged = models.BooleanField(default=False)  # a rule keyword matched
    matched_keywords = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BrandOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "brand", "platform", "external_id"],
                name="mention_unique_external",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "-id"], name="mention_org_id"),
            models.Index(
                fields=["organisation", "brand", "posted_at"], name="mention_org_brand_posted"
            ),
            models.Index(fields=["organisation", "incident", "-id"], name="mention_org_incident"),
            models.Index(
                fields=["organisation", "sentiment_label", "posted_at"],
                name="mention_org_label_posted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"


# Alike templates/models.py:StatementSubscriber on purpose: the organisation/brand keys and
# one Meta index every tenant row declares for its own table.
class MentionLabel(models.Model):
    """A member's correction of a mention's sentiment: the latest one per mention, with who
    and when. The organisation model is trained from these rows."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    mention = models.OneToOneField(Mention, on_delete=models.CASCADE, related_name="human_label")
    sentiment = models.CharField(max_length=8, choices=SentimentLabel.choices)
    # What the scorer had said before the first correction (how often staff disagree with it).
    scored_label = models.CharField(max_length=8, choices=SentimentLabel.choices)
    scored_source = models.CharField(max_length=12, choices=SentimentSource.choices)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    labelled_at = models.DateTimeField()

    objects = BrandOwnedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "labelled_at"], name="mention_label_org_at"),
        ]

    def __str__(self) -> str:
        return f"{self.mention_id}: {self.sentiment}"


# Alike Source and postmortems/templates' models on purpose: a tenant row's keys, its own
# uniqueness and __str__, followed by choices of another table.
class MentionBucket(models.Model):
    """Mentions of a brand per minute of posted_at: the counters spike detection sums, so a
    window or a baseline never rescans mentions. Incremented once per new mention."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    bucket_start = models.DateTimeField()
    total = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    # Summed reach of the minute's negative mentions, as ingested (what reach rules sum).
    negative_reach = models.PositiveBigIntegerField(default=0)

    objects = BrandOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "brand", "bucket_start"], name="mention_bucket_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} @ {self.bucket_start:%Y-%m-%d %H:%M}: {self.negative}/{self.total}"


# Alike SourceState and templates/models.py:Tone on purpose: the states of a trained model,
# not of a source or a reply.
class SentimentModelState(models.TextChoices):
    NONE = "none", _("Not trained")
    TRAINING = "training", _("Training")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class OrganisationSentimentModel(models.Model):
    """An organisation's own sentiment model, trained from its staff's corrections.

    `active` only when its cross-validated figures beat the default analyser on the same
    labels. `version` grows with every trained model: a process keeps the loaded model while
    the version it loaded is the stored one."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="sentiment_model"
    )
    state = models.CharField(
        max_length=8, choices=SentimentModelState.choices, default=SentimentModelState.NONE
    )
    active = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0)
    blob = models.BinaryField(null=True, editable=False)
    labels = models.PositiveIntegerField(default=0)  # labels the stored model learned from
    trained_at = models.DateTimeField(null=True)
    requested_at = models.DateTimeField(null=True)
    evaluation = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.state} v{self.version}"


class SourceKind(models.TextChoices):
    RSS = "rss", _("RSS / Atom feed")
    VK = "vk", "VK"
    TELEGRAM = "telegram", "Telegram"
    YOUTUBE = "youtube", "YouTube"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"


# Alike SentimentModelState, ImportState and templates/models.py:ResponseStatus on purpose:
# a source's health states; each table's states change on their own.
class SourceState(models.TextChoices):
    NEW = "new", _("New")
    OK = "ok", _("OK")
    ERROR = "error", _("Error")
    PAUSED = "paused", _("Paused")


# Alike the notifications models (Delivery, WebhookDelivery) and templates/models.py:
# TemplateVersion on purpose: their own columns and indexes, alike only in Meta's spelling.
class Source(models.Model):
    """Where a brand's mentions are collected: a kind (its collector in
    incidents/monitoring/collectors), its configuration, its credentials, its polling cursor and
    health.

    `credentials_encrypted` is a Fernet token (crisisdesk/core/encryption.py); the plaintext is
    only ever in memory, in the poll. `claimed_until` is the lease of the poll in flight: a
    poll starts only by the conditional UPDATE that sets it (services/sources.py).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    name = models.CharField(_("name"), max_length=120, blank=True, default="")
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    credentials_encrypted = models.TextField(default="", blank=True, editable=False)
    interval_seconds = models.PositiveIntegerField(_("interval (seconds)"), default=300)
    cursor = models.JSONField(default=dict, blank=True, editable=False)
    state = models.CharField(
        _("state"), max_length=8, choices=SourceState.choices, default=SourceState.NEW
    )
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # {"en": …, "ru": …}: the collector's message in both languages, shown in the reader's.
    last_error = models.JSONField(default=dict, blank=True)
    last_error_kind = models.CharField(max_length=16, blank=True, default="")
    fetched_total = models.PositiveBigIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BrandOwnedQuerySet.as_manager()

    # Not a column: the sources page sets it for display (views.sources_section).
    error_text: str

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "brand"], name="source_org_brand"),
            models.Index(fields=["state", "next_poll_at"], name="source_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.name or self.pk} ({self.brand_id})"


# Alike incidents/models.py:Status on purpose: the states of an import run on the worker, not
# of an incident; they change apart.
class ImportState(models.TextChoices):
    DRAFT = "draft", _("Waiting for the column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# Alike notifications/models.py:EscalationLevel on purpose: a named per-organisation row with
# its own uniqueness; only Django's Meta spelling is shared.
class ImportPreset(models.Model):
    """A saved column mapping of an organisation (one listening tool's export format):
    {field: column of the file}, fields from csv_import.COLUMNS."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    mapping = models.JSONField(_("column mapping"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="import_preset_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MentionImport(models.Model):
    """An uploaded CSV or XLSX file of mentions and its run on the worker.

    The file is kept in the row until the run ends (any worker may take it), then dropped.
    `refused` lists the first refused lines as {"line", "reason"}; `refused_count` counts
    them all. `error` is set when the whole file was refused (in the reader's language at
    upload time)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255, blank=True, default="")
    file_format = models.CharField(max_length=4)  # csv | xlsx
    content = models.BinaryField(null=True, editable=False)
    columns = models.JSONField(default=list, blank=True)  # the file's header row
    mapping = models.JSONField(default=dict, blank=True)
    preset = models.ForeignKey(
        ImportPreset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=8, choices=ImportState.choices, default=ImportState.DRAFT)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    refused = models.JSONField(default=list, blank=True)
    refused_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    incidents_opened = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    language = models.CharField(max_length=8, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BrandOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organisation", "-id"], name="mention_import_org_id")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"

    @property
    def stored(self) -> int:
        return self.created + self.updated
