from django.contrib import admin

from crisisdesk.core.admin import ReadOnlyAdmin
from templates.models import (
    Response,
    ResponseTemplate,
    StatementPage,
    StatementSubscriber,
    TemplateVersion,
)


class TemplateVersionInline(admin.TabularInline):
    """Versions are immutable: an edit through the API adds one."""

    model = TemplateVersion
    extra = 0
    # A tuple: the stubs type the two attributes differently, and a list matches only one.
    fields = readonly_fields = ("number", "body", "variables", "created_by", "created_at")
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "brand", "channel", "language", "tone", "active"]
    list_filter = ["organisation", "channel", "language", "tone", "active"]
    search_fields = ["name"]
    raw_id_fields = ["brand", "current_version"]
    readonly_fields = ["current_version"]
    inlines = [TemplateVersionInline]


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    """Read-only: approval and publication go through the services and the timeline."""

    list_display = ["id", "incident", "organisation", "channel", "status", "published_at"]
    list_filter = ["organisation", "status", "channel"]


class StatementSubscriberInline(admin.TabularInline):
    """Subscribers of a public statement page: written by the public page's opt-in only."""

    model = StatementSubscriber
    extra = 0
    # A tuple: the stubs type the two attributes differently, and a list matches only one.
    fields = readonly_fields = (
        "email",
        "language",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    )

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(StatementPage)
class StatementPageAdmin(admin.ModelAdmin):
    """A public statement page; its token (the page's address) is not shown."""

    list_display = ["incident", "organisation", "published_at", "withdrawn_at"]
    list_filter = ["organisation"]
    exclude = ["token"]
    readonly_fields = ["incident", "organisation", "created_by", "published_at"]
    inlines = [StatementSubscriberInline]
