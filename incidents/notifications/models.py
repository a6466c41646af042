"""Notifications: webhook delivery attempts, tasks kept through a broker outage, send-once
receipts, the organisation's Telegram bot and what it is linked to."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenants.models import Brand, Membership, Organisation, Team
from tenants.scoping import TenantQuerySet


# Alike Delivery below on purpose: the legacy webhook log keeps its own columns and Meta.
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


# Alike TelegramBot's fields below on purpose: each model declares its own columns.
class NotificationReceipt(models.Model):
    """The key of a notification already sent: a task run twice sends it once."""

    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


# --- Telegram: one bot per organisation, chats linked to a team or a brand, people to members ---


# Alike TelegramLinkCode and EscalationPolicy on purpose: Django wants each model's own fields.
class TelegramBot(models.Model):
    """The organisation's own Telegram bot. The token is encrypted at rest and never shown.

    `update_offset` is the next update_id to accept: an update below it was handled already
    (a retried webhook call, a poll repeated after a crash) and is ignored. Only a hash of the
    webhook's secret token is kept: Telegram is told the secret once, by setWebhook.
    """

    class Mode(models.TextChoices):
        POLLING = "polling", "polling"
        WEBHOOK = "webhook", "webhook"

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="telegram_bot"
    )
    token_encrypted = models.TextField()
    bot_user_id = models.BigIntegerField()
    username = models.CharField(max_length=64)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.POLLING)
    webhook_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook_secret_hash = models.CharField(max_length=64, blank=True, default="")
    update_offset = models.BigIntegerField(default=0)
    # The poller's claim: one long poll per bot at a time, whatever the number of workers.
    poll_lease_until = models.DateTimeField(null=True, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"@{self.username}"


# Alike TelegramChat below and templates/models.py on purpose: its own fields, links, Meta.
class TelegramLinkCode(models.Model):
    """A one-time code that links a chat to a team or a brand, or a Telegram user to a member.

    Only its hash is stored; it is shown once, to the member who asked for it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"link code of {self.organisation_id} until {self.expires_at:%H:%M}"


# Alike TelegramIncidentMessage and playbooks/models.py on purpose: its own links and Meta.
class TelegramChat(models.Model):
    """A group or channel linked to a team or a brand: incident messages of that scope go here."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    chat_id = models.BigIntegerField()
    chat_type = models.CharField(max_length=16)
    title = models.CharField(max_length=256, blank=True, default="")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(max_length=8, default="en")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "chat_id"], name="tg_chat_once"),
            models.CheckConstraint(
                condition=models.Q(team__isnull=True) ^ models.Q(brand__isnull=True),
                name="tg_chat_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(self.chat_id)


# Alike EscalationPolicy and postmortems/models.py on purpose: its own constraint and fields.
class TelegramAccount(models.Model):
    """A Telegram user linked to a member: their button presses and replies act as that member."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="telegram_account"
    )
    telegram_user_id = models.BigIntegerField()
    username = models.CharField(max_length=64, blank=True, default="")
    linked_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "telegram_user_id"], name="tg_account_once"
            ),
        ]

    def __str__(self) -> str:
        return f"telegram {self.telegram_user_id} → {self.membership_id}"


# Alike Delivery, Escalation and playbooks/models.py on purpose: its own links and Meta.
class TelegramIncidentMessage(models.Model):
    """The one message of an incident in a linked chat, edited in place as the incident changes.

    The row is locked while the message is edited, so two syncs of one incident never post two
    messages; `text_hash` skips an edit that would change nothing. A first message is recorded
    before it is sent: `send_started_at` (and the text's hash) commit before sendMessage is
    called, so a worker killed during the call leaves a trace, and the sync that runs again does
    not post the same message a second time (Telegram cannot deduplicate)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="telegram_messages"
    )
    chat = models.ForeignKey(TelegramChat, on_delete=models.CASCADE, related_name="messages")
    message_id = models.BigIntegerField(null=True, blank=True)
    text_hash = models.CharField(max_length=64, blank=True, default="")
    send_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "chat"], name="tg_message_once"),
        ]
        indexes = [
            models.Index(fields=["organisation", "chat", "message_id"], name="tg_message_lookup")
        ]

    def __str__(self) -> str:
        return f"message {self.message_id} of incident {self.incident_id} in {self.chat_id}"


# --- Duty rotas and escalation policies ---


class Channel(models.TextChoices):
    TELEGRAM = "telegram", "Telegram"
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


def default_channels() -> list[str]:
    return [Channel.TELEGRAM, Channel.EMAIL]


# Alike NotificationPreference and postmortems/models.py on purpose: its own states and Meta.
class Delivery(models.Model):
    """One outgoing notification (a webhook, an email, a Telegram message), recorded in the
    transaction that decides to send it, before anything is sent (incidents/notifications/
    delivery.py). Its `delivery_id` travels with every attempt (the webhook's
    X-CrisisDesk-Delivery header, the email's Message-ID) so a receiver deduplicates repeats;
    a task run again finds it delivered and sends nothing. `key`, when given, makes the
    decision itself idempotent: a second record of the same key is the first row."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"  # claimed by a task; `claimed_at` says since when
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "failed"  # final: refused, or out of attempts

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=9, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "-id"], name="delivery_org_id"),
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} {self.delivery_id} ({self.state})"


class NotificationPreference(models.Model):
    """The channels a member is reached by when an escalation calls them (default: Telegram,
    where linked, and email)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="notification_preference"
    )
    channels = models.JSONField(default=default_channels)

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.membership_id}: {', '.join(self.channels)}"


class DutyRota(models.Model):
    """Who of a team is on duty: members in order, each for one shift (a week, or `shift_hours`
    for a custom rotation), handing over at the local time of `starts_at` in `time_zone`;
    overrides replace the rotation for their span."""

    class Rotation(models.TextChoices):
        WEEKLY = "weekly", "weekly"
        CUSTOM = "custom", "custom"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="duty_rota")
    rotation = models.CharField(max_length=8, choices=Rotation.choices, default=Rotation.WEEKLY)
    shift_hours = models.PositiveSmallIntegerField(default=168)
    time_zone = models.CharField(max_length=64, default="UTC")
    starts_at = models.DateTimeField()
    member_ids = models.JSONField(default=list)  # memberships in rotation order
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"rota of team {self.team_id}"


class RotaOverride(models.Model):
    """Someone else on duty for a span (a swap, a holiday)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    rota = models.ForeignKey(DutyRota, on_delete=models.CASCADE, related_name="overrides")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.membership_id} on duty {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class EscalationPolicyQuerySet(TenantQuerySet["EscalationPolicy"]):
    brand_field = "brand_id"
    brandless_shared = True  # the default policy (no brand) is every brand's


# Alike postmortems/models.py and EscalationLevel on purpose: its own fields and ordering.
class EscalationPolicy(models.Model):
    """Who is called, level after level, until someone acknowledges an incident. The most
    specific policy applies: brand and severity, then brand, then severity, then the default
    (neither). The whole chain runs `repeat` times. Quiet hours (in `time_zone`) hold the climb
    until they end, except for SEV1."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    severity = models.CharField(max_length=4, blank=True, default="")
    repeat = models.PositiveSmallIntegerField(default=1)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EscalationPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "brand", "severity"],
                name="escalation_policy_scope_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return self.name


# Alike Escalation and playbooks/models.py:PlaybookStep on purpose: its own position and Meta.
class EscalationLevel(models.Model):
    class Target(models.TextChoices):
        ON_DUTY = "on_duty", "on duty"
        TEAM = "team", "team"
        BRAND_MANAGER = "brand_manager", "brand manager"
        OWNERS = "owners", "owners"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField()
    target = models.CharField(max_length=16, choices=Target.choices)
    delay_minutes = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="escalation_level_once")
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.target} after {self.delay_minutes} min"


class Escalation(models.Model):
    """The climb of one incident: the next level to call and when. Locked by the climb, so
    two beats never call a level twice."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="escalation"
    )
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="+")
    next_level = models.PositiveSmallIntegerField(default=0)  # index into the policy's levels
    round = models.PositiveSmallIntegerField(default=0)
    next_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["stopped_at", "next_at"], name="escalation_due")]

    def __str__(self) -> str:
        return f"escalation of incident {self.incident_id}"
