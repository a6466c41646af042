from django.contrib import admin

from templates.models import Response, ResponseTemplate, TemplateVersion


class TemplateVersionInline(admin.TabularInline):
    """Versions are immutable: an edit through the API adds one."""

    model = TemplateVersion
    extra = 0
    fields = ["number", "body", "variables", "created_by", "created_at"]
    readonly_fields = fields
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
class ResponseAdmin(admin.ModelAdmin):
    """Read-only: approval and publication go through the services and the timeline."""

    list_display = ["id", "incident", "organisation", "channel", "status", "published_at"]
    list_filter = ["organisation", "status", "channel"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
