"""Data ownership: an organisation's full export, its soft delete and its purge.

Both walk every installed model that carries an `organisation` foreign key, so that data
added by later apps is exported and purged without this module knowing about it.
"""

import json
from collections.abc import Iterator
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict
from tenants.live import access_changed
from tenants.models import Membership, Organisation
from tenants.scoping import objects_of
from tenants.services import audit_record

# Secrets never leave through an export.
EXCLUDED_FIELDS = {"ingest_secret", "webhook_secret", "token_hash", "credentials_encrypted"}


def tenant_models() -> list[type[models.Model]]:
    """Every concrete model with a foreign key named `organisation` to Organisation."""
    found = []
    for model in apps.get_models():
        try:
            field = model._meta.get_field("organisation")
        except Exception:  # noqa: S112 - models without the field are simply not tenant-owned
            continue
        if getattr(field, "related_model", None) is Organisation:
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def _columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.name not in EXCLUDED_FIELDS]


def organisation_export_counts(*, organisation: Organisation) -> dict[str, int]:
    return {
        m._meta.label: objects_of(m).filter(organisation=organisation).count()
        for m in tenant_models()
    }


def organisation_export_stream(
    *, organisation: Organisation, by: Membership | None, chunk_size: int = 2000
) -> Iterator[str]:
    """The organisation's data as one JSON document, yielded in pieces (never built in memory).

    Shape: {"organisation": {...}, "counts": {label: n}, "data": {label: [rows]}}; the counts
    come first so that a client can show progress while it reads. `by` is None when the
    platform exports it (the export_organisation command); the audit then names no one.
    """
    audit_record(
        organisation=organisation,
        actor=by.user if by is not None else None,
        action="organisation.exported",
    )
    counts = organisation_export_counts(organisation=organisation)
    head = {
        "organisation": {
            "id": organisation.id,
            "name": organisation.name,
            "slug": organisation.slug,
            "sla_targets": organisation.sla_targets,
            "created_at": organisation.created_at,
        },
        "exported_at": timezone.now(),
        "counts": counts,
    }
    yield json.dumps(head, cls=DjangoJSONEncoder, ensure_ascii=False)[:-1] + ', "data": {'
    first_model = True
    for model in tenant_models():
        yield ("" if first_model else ", ") + json.dumps(model._meta.label) + ": ["
        first_model = False
        columns = _columns(model)
        rows = objects_of(model).filter(organisation=organisation).order_by("pk").values(*columns)
        first_row = True
        for row in rows.iterator(chunk_size=chunk_size):
            if model is Membership:
                row = {**row, "username": _username(row["user_id"])}
            yield ("" if first_row else ", ") + json.dumps(
                row, cls=DjangoJSONEncoder, ensure_ascii=False
            )
            first_row = False
        yield "]"
    yield "}}"


def _username(user_id: int) -> str:
    from django.contrib.auth import get_user_model

    return (
        get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first() or ""
    )


def organisation_soft_delete(*, organisation: Organisation, by: Membership) -> Organisation:
    """Lock every member out at once; the rows are purged after the grace period."""
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if locked.deleted_at is not None:
            raise Conflict(gettext_lazy("This organisation is already deleted."))
        locked.deleted_at = timezone.now()
        locked.save(update_fields=["deleted_at"])
        audit_record(organisation=locked, actor=by.user, action="organisation.deleted")
        # Open sockets too (tenants.live): each re-resolves its scope, finds none, closes.
        access_changed(
            organisation_id=locked.id,
            user_ids=Membership.objects.filter(organisation=locked).values_list(
                "user_id", flat=True
            ),
        )
    return locked


def organisation_purge(*, organisation_id: int) -> bool:
    """Remove every row of an organisation whose grace period is over. Idempotent.

    The timeline table refuses DELETE on PostgreSQL except inside a transaction that set
    crisisdesk.purge (the one legitimate removal of events).
    """
    grace = timedelta(days=settings.ORGANISATION_PURGE_GRACE_DAYS)
    with transaction.atomic():
        organisation = (
            Organisation.objects.select_for_update()
            .filter(pk=organisation_id, deleted_at__lte=timezone.now() - grace)
            .first()
        )
        if organisation is None:
            return False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL crisisdesk.purge = 'on'")
        # Children first, in an order that respects protected references between them.
        for model in reversed(tenant_models()):
            objects_of(model).filter(organisation=organisation).delete()
        organisation.delete()
    return True


def organisations_due_for_purge() -> list[int]:
    grace = timedelta(days=settings.ORGANISATION_PURGE_GRACE_DAYS)
    return list(
        Organisation.objects.filter(deleted_at__lte=timezone.now() - grace).values_list(
            "id", flat=True
        )
    )
