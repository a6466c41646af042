from django.contrib import admin

from crisisdesk.core.admin import ReadOnlyAdmin
from incidents.models import Incident, IncidentEvent, SlaBreach

# Alike monitoring/selectors.py's import on purpose: both need the same monitoring models.
from incidents.monitoring.models import (
    ImportPreset,
    Mention,
    MentionBucket,
    MentionImport,
    MentionLabel,
    MonitoringRule,
    OrganisationSentimentModel,
    Source,
)
from incidents.notifications.models import (
    DeferredTask,
    Delivery,
    DutyRota,
    Escalation,
    EscalationLevel,
    EscalationPolicy,
    NotificationPreference,
    NotificationReceipt,
    RotaOverride,
    TelegramAccount,
    TelegramBot,
    TelegramChat,
    TelegramIncidentMessage,
    TelegramLinkCode,
    WebhookDelivery,
)
from incidents.postmortems.models import ActionItem, BrandReport, PostMortem


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "organisation", "brand", "severity", "status", "detected_at"]
    list_filter = ["organisation", "status", "severity", "is_drill"]
    search_fields = ["title"]
    raw_id_fields = ["commander"]
    filter_horizontal = ["teams"]
    # Status and its timestamps change only through the lifecycle services.
    readonly_fields = [
        "status",
        "detected_at",
        "acknowledged_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
    ]


@admin.register(IncidentEvent)
class IncidentEventAdmin(ReadOnlyAdmin):
    """Read-only: the timeline is append-only, in the admin too."""

    list_display = ["id", "incident", "kind", "actor", "created_at"]
    list_filter = ["kind", "organisation"]

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


# --- Monitoring ---


@admin.register(Mention)
class MentionAdmin(ReadOnlyAdmin):
    list_display = ["id", "brand", "platform", "external_id", "sentiment_label", "posted_at"]
    list_filter = ["organisation", "platform", "sentiment_label", "flagged"]
    search_fields = ["external_id", "text"]
    raw_id_fields = ["incident"]


@admin.register(MonitoringRule)
class MonitoringRuleAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "brand", "window_minutes", "min_negative", "severity", "active"]
    list_filter = ["organisation", "active", "severity"]
    search_fields = ["name"]


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    """Health at a glance; credentials are never shown (nor the cursor)."""

    list_display = ["id", "brand", "kind", "name", "state", "last_success_at", "fetched_total"]
    list_filter = ["organisation", "kind", "state"]
    search_fields = ["name"]
    exclude = ["credentials_encrypted", "cursor", "claimed_until"]


@admin.register(MentionImport)
class MentionImportAdmin(ReadOnlyAdmin):
    """Uploads and their progress; the file's bytes are never shown."""

    list_display = ["id", "brand", "file_name", "state", "rows_done", "rows_total", "created_at"]
    list_filter = ["organisation", "state", "file_format"]
    search_fields = ["file_name"]
    exclude = ["content"]


@admin.register(ImportPreset)
class ImportPresetAdmin(admin.ModelAdmin):
    list_display = ["id", "organisation", "name", "updated_at"]
    list_filter = ["organisation"]
    search_fields = ["name"]


# Alike the Telegram admins below on purpose: one registration per model, its own columns.
@admin.register(MentionBucket)
class MentionBucketAdmin(ReadOnlyAdmin):
    list_display = ["brand", "bucket_start", "total", "negative"]
    list_filter = ["organisation"]


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdmin):
    list_display = ["id", "incident", "kind", "due_at", "created_at"]
    list_filter = ["organisation", "kind"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "event_type", "delivery_id", "attempt", "status_code", "created_at"]
    list_filter = ["organisation", "event_type", "status_code"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "kind", "delivery_id", "state", "attempts", "created_at"]
    list_filter = ["organisation", "channel", "state"]
    exclude = ["payload"]  # addresses and message bodies: the attempts' figures are enough


@admin.register(PostMortem)
class PostMortemAdmin(admin.ModelAdmin):
    list_display = ["id", "incident", "organisation", "status", "is_drill", "approved_at"]
    list_filter = ["status", "is_drill", "organisation"]
    raw_id_fields = ["incident", "author", "approved_by"]
    readonly_fields = ["prefill", "review_comments", "submitted_at", "approved_at"]


@admin.register(BrandReport)
class BrandReportAdmin(admin.ModelAdmin):
    list_display = ["id", "brand", "organisation", "month", "state", "progress", "finished_at"]
    list_filter = ["state", "organisation"]
    raw_id_fields = ["brand", "requested_by"]
    exclude = ["html", "pdf"]  # the documents themselves are read through the API


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "status", "due_date", "owner"]
    list_filter = ["status", "organisation"]
    raw_id_fields = ["postmortem", "owner"]


@admin.register(DeferredTask)
class DeferredTaskAdmin(admin.ModelAdmin):
    list_display = ["id", "task_name", "attempts", "created_at"]
    readonly_fields = ["task_name", "args", "attempts", "last_error", "created_at"]


@admin.register(NotificationReceipt)
class NotificationReceiptAdmin(admin.ModelAdmin):
    list_display = ["key", "created_at"]
    readonly_fields = ["key", "created_at"]


@admin.register(MentionLabel)
class MentionLabelAdmin(ReadOnlyAdmin):
    list_display = ["mention", "sentiment", "scored_label", "scored_source", "labelled_at"]
    list_filter = ["organisation", "sentiment", "scored_source"]
    raw_id_fields = ["mention"]


@admin.register(OrganisationSentimentModel)
class OrganisationSentimentModelAdmin(ReadOnlyAdmin):
    """The trained model's state and figures; the model itself (`blob`) is not shown."""

    list_display = ["organisation", "state", "active", "labels", "trained_at"]
    list_filter = ["state", "active"]
    exclude = ["blob"]


# --- Telegram, rotas and escalation ---


@admin.register(TelegramBot)
class TelegramBotAdmin(ReadOnlyAdmin):
    """The bot's identity and mode; its token and webhook secret are never shown."""

    list_display = ["organisation", "username", "mode", "linked_at"]
    exclude = ["token_encrypted", "webhook_secret_hash"]


@admin.register(TelegramLinkCode)
class TelegramLinkCodeAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "team", "brand", "membership", "expires_at", "used_at"]
    exclude = ["code_hash"]


@admin.register(TelegramChat)
class TelegramChatAdmin(admin.ModelAdmin):
    list_display = ["organisation", "title", "chat_type", "team", "brand", "linked_at"]
    list_filter = ["organisation", "chat_type"]


@admin.register(TelegramAccount)
class TelegramAccountAdmin(admin.ModelAdmin):
    list_display = ["organisation", "membership", "username", "linked_at"]
    raw_id_fields = ["membership"]


@admin.register(TelegramIncidentMessage)
class TelegramIncidentMessageAdmin(ReadOnlyAdmin):
    list_display = ["incident", "chat", "message_id", "updated_at"]
    raw_id_fields = ["incident"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["organisation", "membership", "channels"]
    raw_id_fields = ["membership"]


class RotaOverrideInline(admin.TabularInline):
    model = RotaOverride
    extra = 0
    raw_id_fields = ["membership"]


# Alike tenants/admin.py:TeamAdmin on purpose: a plain registration, its own columns.
@admin.register(DutyRota)
class DutyRotaAdmin(admin.ModelAdmin):
    list_display = ["team", "rotation", "shift_hours", "time_zone", "starts_at"]
    list_filter = ["organisation", "rotation"]
    inlines = [RotaOverrideInline]


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0


# Alike tenants/admin.py:InvitationAdmin on purpose: a plain registration, its own columns.
@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "brand", "severity", "repeat"]
    list_filter = ["organisation", "severity"]
    inlines = [EscalationLevelInline]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["incident", "policy", "next_level", "round", "next_at", "stopped_at"]
    raw_id_fields = ["incident"]
