"""Every model of the product is in the admin, registered or as an inline of its parent."""

import pytest
from django.apps import apps
from django.contrib import admin


def test_every_model_has_an_admin() -> None:
    inlines = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    missing = [
        model._meta.label
        for label in ("tenants", "incidents", "playbooks", "response_templates")
        for model in apps.get_app_config(label).get_models()
        if model not in admin.site._registry and model not in inlines
    ]
    assert missing == []


@pytest.mark.django_db
def test_admin_pages_render_for_a_superuser(admin_client) -> None:
    for model in admin.site._registry:
        if model._meta.app_label in ("tenants", "incidents", "playbooks", "response_templates"):
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert admin_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_rows_the_services_write_cannot_be_added_or_changed_in_the_admin(admin_client) -> None:
    from crisisdesk.core.admin import ReadOnlyAdmin

    read_only = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ReadOnlyAdmin)
    ]
    for label in (
        "incidents.IncidentEvent",
        "incidents.Mention",
        "playbooks.IncidentTask",
        "response_templates.Response",
    ):
        assert label in read_only, (label, read_only)
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, ReadOnlyAdmin):
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/"
            assert admin_client.get(url).status_code == 403, url
