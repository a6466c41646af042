"""The admin's shared base: rows that only the services write."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows rows that the services, ingest and the periodic tasks write; the admin neither adds
    nor changes one (deleting stays Django's default, per model)."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
