from django.contrib import admin
from knox.models import AuthToken

from crisisdesk.core.admin import ReadOnlyAdmin
from tenants.models import (
    ApiToken,
    AuditEntry,
    Brand,
    Invitation,
    Membership,
    Organisation,
    OrganisationLogo,
    Team,
    UserProfile,
    WebSocketTicket,
)


class OrganisationLogoInline(admin.StackedInline):
    model = OrganisationLogo
    readonly_fields = ("width", "height", "updated_at")
    fields = readonly_fields
    can_delete = True
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at", "deleted_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OrganisationLogoInline]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organisation", "require_client_approval"]
    list_filter = ["organisation"]
    search_fields = ["name", "slug"]
    readonly_fields = ["ingest_id"]
    exclude = ["ingest_secret"]
    filter_horizontal = ["default_teams"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "is_client_approver"]
    list_filter = ["organisation", "role"]
    search_fields = ["user__username", "user__email"]
    filter_horizontal = ["brands"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    filter_horizontal = ["members"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "expires_at", "accepted_at"]
    list_filter = ["organisation", "role"]
    readonly_fields = ["token_hash"]


@admin.register(WebSocketTicket)
class WebSocketTicketAdmin(admin.ModelAdmin):
    list_display = ["user", "expires_at", "used_at"]
    readonly_fields = ["token_hash"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "actor", "action", "target"]
    list_filter = ["organisation", "action"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "time_zone"]


# knox registers its own AuthToken, swapped out here for tenants.ApiToken (no table of its own).
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Read-only: a token is shown only to its user, once. Deleting one revokes it."""

    list_display = ["public_id", "user", "name", "created", "expiry"]
    search_fields = ["user__username", "name"]
    readonly_fields = ["public_id", "user", "name", "created", "expiry"]
    exclude = ["digest", "token_key"]
