"""Incidents and their append-only timeline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Brand, Membership, Organisation, Severity, Team


class Status(models.TextChoices):
    DETECTED = "detected", _("Detected")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESPONDING = "responding", _("Responding")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The one place where the lifecycle is defined. `closed` is reached only through an
# approved post-mortem, never by a plain transition request.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DETECTED: (Status.ACKNOWLEDGED,),
    Status.ACKNOWLEDGED: (Status.RESPONDING, Status.MONITORING, Status.RESOLVED),
    Status.RESPONDING: (Status.MONITORING, Status.RESOLVED),
    Status.MONITORING: (Status.RESPONDING, Status.RESOLVED),
    Status.RESOLVED: (Status.CLOSED,),
    Status.CLOSED: (),
}
OPEN_STATUSES = (Status.DETECTED, Status.ACKNOWLEDGED, Status.RESPONDING, Status.MONITORING)


class Source(models.TextChoices):
    MANUAL = "manual", _("Manual")
    MONITORING = "monitoring", _("Monitoring")
    DRILL = "drill", _("Drill")


class Incident(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="incidents"
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True, default="")
    severity = models.CharField(_("severity"), max_length=4, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DETECTED
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    crisis_type = models.CharField(max_length=40, blank=True, default="")
    is_drill = models.BooleanField(default=False)
    commander = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commanded_incidents",
    )
    teams = models.ManyToManyField(Team, related_name="incidents", blank=True)
    # Set when monitoring opened the incident; later matches of the brand link to it.
    monitoring_rule = models.ForeignKey(
        "MonitoringRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detected_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "-id"], name="incident_org_id"),
            models.Index(fields=["organisation", "status", "-id"], name="incident_org_status"),
            models.Index(fields=["organisation", "brand", "-id"], name="incident_org_brand"),
            models.Index(fields=["organisation", "severity", "-id"], name="incident_org_severity"),
            models.Index(fields=["organisation", "detected_at"], name="incident_org_detected"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def allowed_next(self) -> list[str]:
        return [str(s) for s in TRANSITIONS[Status(self.status)]]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class IncidentEvent(models.Model):
    """The timeline and audit log. Rows are only ever inserted (see the PostgreSQL trigger)."""

    id = models.BigAutoField(primary_key=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "incident", "id"], name="event_org_incident"),
            models.Index(fields=["organisation", "id"], name="event_org_id"),
            models.Index(fields=["organisation", "kind", "created_at"], name="event_org_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on incident {self.incident_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Incident events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Incident events are append-only.")


# --- Monitoring: mentions, rules, detection counters, SLA breaches, webhook deliveries ---


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


class MonitoringRule(models.Model):
    """What makes monitoring open an incident for a brand.

    A keyword (or phrase) match opens one by itself; with `min_negative` set, so does a
    window holding at least `min_negative` negative mentions and at least `multiplier` times
    the brand's baseline (negative mentions per window over the past 7 days).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="monitoring_rules"
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="monitoring_rules")
    name = models.CharField(_("name"), max_length=120)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    window_minutes = models.PositiveIntegerField(_("window (minutes)"), default=15)
    # None: no volume trigger (a keyword-only rule).
    min_negative = models.PositiveIntegerField(
        _("minimum negative mentions in the window"), null=True, blank=True
    )
    multiplier = models.FloatField(_("multiplier over the baseline"), default=3.0)
    severity = models.CharField(
        _("severity"), max_length=4, choices=Severity.choices, default=Severity.SEV2
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions"
    )
    flagged = models.BooleanField(default=False)  # a rule keyword matched
    matched_keywords = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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


class MentionBucket(models.Model):
    """Mentions of a brand per minute of posted_at: the counters spike detection sums, so a
    window or a baseline never rescans mentions. Incremented once per new mention."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    bucket_start = models.DateTimeField()
    total = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "brand", "bucket_start"], name="mention_bucket_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} @ {self.bucket_start:%Y-%m-%d %H:%M}: {self.negative}/{self.total}"


class SlaBreach(models.Model):
    """The claim that a breach was escalated: one row per (incident, kind), ever.

    The unique constraint is what makes concurrent SLA checks notify once.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="sla_breaches")
    kind = models.CharField(max_length=20)  # acknowledge, first_response, resolve
    due_at = models.DateTimeField()
    claim = models.UUIDField()  # which run inserted it
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="sla_breach_once"),
        ]
        indexes = [models.Index(fields=["organisation", "-id"], name="sla_breach_org_id")]

    def __str__(self) -> str:
        return f"{self.kind} breached on incident {self.incident_id}"


class WebhookDelivery(models.Model):
    """One attempt to deliver an outgoing webhook; retries of a delivery share delivery_id."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    delivery_id = models.UUIDField()
    event_type = models.CharField(max_length=60)
    url = models.URLField(max_length=2000)
    attempt = models.PositiveSmallIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "-id"], name="webhook_org_id"),
            models.Index(fields=["organisation", "delivery_id"], name="webhook_org_delivery"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.attempt} → {self.status_code or self.error[:40]}"


class PostMortemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")


class PostMortem(models.Model):
    """What happened, what worked, what changes. One per incident, drafted when it resolves,
    with `prefill` computed from the timeline, and sections people write."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    is_drill = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=PostMortemStatus.choices, default=PostMortemStatus.DRAFT
    )
    author = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prefill = models.JSONField(default=dict, blank=True)
    summary = models.TextField(_("summary"), blank=True, default="")
    impact = models.TextField(_("impact"), blank=True, default="")
    root_cause = models.TextField(_("root cause"), blank=True, default="")
    went_well = models.TextField(_("what went well"), blank=True, default="")
    went_wrong = models.TextField(_("what went wrong"), blank=True, default="")
    lessons = models.TextField(_("lessons"), blank=True, default="")
    review_comments = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "status", "-id"], name="postmortem_org_status"),
        ]

    def __str__(self) -> str:
        return f"Post-mortem of incident {self.incident_id}"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ActionItem(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    postmortem = models.ForeignKey(
        PostMortem, on_delete=models.CASCADE, related_name="action_items"
    )
    title = models.CharField(_("title"), max_length=300)
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    last_reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["organisation", "status", "due_date"], name="actionitem_org_status"
            ),
            models.Index(fields=["organisation", "owner", "status"], name="actionitem_org_owner"),
        ]

    def __str__(self) -> str:
        return self.title


class DeferredTask(models.Model):
    """A Celery task that could not be enqueued (broker down), kept until a flush sends it.

    Nothing is lost in a Redis outage: the row is written in the request's own database,
    and `deferred_tasks_flush_run` re-sends it once the broker answers again.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_name} (deferred)"


class NotificationReceipt(models.Model):
    """The key of a notification already sent: a task run twice sends it once."""

    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
