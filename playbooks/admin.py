from django.contrib import admin

from crisisdesk.core.admin import ReadOnlyAdmin
from playbooks.models import AppliedPlaybook, IncidentTask, Playbook, PlaybookStep


class PlaybookStepInline(admin.TabularInline):
    model = PlaybookStep
    extra = 0
    fields = ["position", "title", "owner_team", "owner_role", "due_offset_minutes", "template"]
    raw_id_fields = ["owner_team", "template"]


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "crisis_type", "language", "active"]
    list_filter = ["organisation", "crisis_type", "language", "active"]
    search_fields = ["name"]
    inlines = [PlaybookStepInline]


# Alike the read-only admins of incidents/admin.py on purpose: Django's registration idiom, each
# with its own model's columns.
@admin.register(IncidentTask)
class IncidentTaskAdmin(ReadOnlyAdmin):
    """Read-only: tasks change through the services, which write the timeline."""

    list_display = ["title", "incident", "organisation", "due_at", "done_at"]
    list_filter = ["organisation"]
    search_fields = ["title"]


@admin.register(AppliedPlaybook)
class AppliedPlaybookAdmin(ReadOnlyAdmin):
    list_display = ["playbook", "incident", "organisation", "applied_at"]
    list_filter = ["organisation"]
