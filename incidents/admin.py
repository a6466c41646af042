from django.contrib import admin

from incidents.models import Incident, IncidentEvent


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
class IncidentEventAdmin(admin.ModelAdmin):
    """Read-only: the timeline is append-only, in the admin too."""

    list_display = ["id", "incident", "kind", "actor", "created_at"]
    list_filter = ["kind", "organisation"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
