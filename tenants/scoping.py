"""Who sees which rows: the querysets of tenant-owned models, and the guard that makes a
forgotten scope fail instead of answering with every organisation's rows.

Each tenant-owned model's default manager comes from a `TenantQuerySet` subclass, and its
`visible_to(membership)` is the one place that decides which rows a member sees: the
organisation, the member's brand limits (`brand_field`), and whatever a model adds (the
live-feed rule of incidents, member kinds and event visibility next). Selectors start there.

Fail closed: while `tenant_guard()` is on — the door (`tenants.tenancy`) turns it on for every
organisation request: API, pages, WebSocket — evaluating such a queryset raises
`TenantScopeError` unless it is scoped, which means one of:
- built by `visible_to(membership)`;
- reached from a row already held (a related manager, a prefetch: Django hints the instance);
- filtered on an organisation in every branch of its WHERE (`organisation_id=…`, also through
  a join: services that re-read by the organisation of an object they were given);
- explicitly `all_tenants()`: the named escape hatch of reads that legitimately cross
  organisations (the door itself, a user's own memberships).
Outside the guard (admin, tasks, management commands, migrations, the shell) queries run as
written: those read across organisations by design. The check walks the query's WHERE in
Python at evaluation: no query is added.

Not thread-local state that *supplies* the tenant (which fails open when unset, the trap
django-multitenant's managers fall into): the context only switches the check on; the scope
itself is always written in the query.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import AND, WhereNode

if TYPE_CHECKING:
    from tenants.models import Membership

_M = TypeVar("_M", bound=models.Model)

_guard: ContextVar[bool] = ContextVar("tenant_guard", default=False)


class TenantScopeError(RuntimeError):
    """A tenant-owned queryset evaluated without a scope while the guard is on (a bug)."""


@contextmanager
def tenant_guard() -> Iterator[None]:
    """Refuse unscoped reads of tenant-owned models for the duration (see the module doc)."""
    token = _guard.set(True)
    try:
        yield
    finally:
        _guard.reset(token)


def tenant_guard_active() -> bool:
    return _guard.get()


def objects_of(model: type[models.Model]) -> models.Manager[Any]:
    """`model.objects` of a model known only as a model class (the stubs type `objects` on
    each named model alone): the very manager that attribute returns."""
    return model._meta.managers_map["objects"]


def _names_organisation(node: Any) -> bool:
    """Whether every row the WHERE admits belongs to a named organisation."""
    if isinstance(node, WhereNode):
        if node.negated or not node.children:
            return False
        found = [_names_organisation(child) for child in node.children]
        return any(found) if node.connector == AND else all(found)
    return (
        isinstance(node, Exact | In)
        and isinstance(node.lhs, Col)
        and node.lhs.target.name == "organisation"
    )


class TenantQuerySet(models.QuerySet[_M]):
    """The queryset of a model that carries an `organisation` foreign key."""

    # The lookup from a row to its brand, for brand-limited members; None: a brand limit
    # does not narrow this model (playbooks, teams, members: the agency's own).
    brand_field: ClassVar[str | None] = None
    # A row whose brand is empty applies to every brand (a default): a brand-limited member
    # sees it beside their brands' rows.
    brandless_shared: ClassVar[bool] = False

    # Django's, which the stubs leave out.
    _hints: dict[str, Any]
    if TYPE_CHECKING:

        def _chain(self) -> Self: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tenant_scoped = False

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]  # Django's, not in the stubs
        clone._tenant_scoped = self._tenant_scoped
        return clone

    def _merged(self, other: models.QuerySet, combined: Self) -> Self:
        # An OR/XOR widens: scoped only if both sides were.
        combined._tenant_scoped = self._tenant_scoped and getattr(other, "_tenant_scoped", False)
        return combined

    def __or__(self, other: models.QuerySet) -> Self:  # type: ignore[override]
        return self._merged(other, super().__or__(other))

    def __xor__(self, other: models.QuerySet) -> Self:  # type: ignore[override]
        return self._merged(other, super().__xor__(other))  # type: ignore[misc]  # not in the stubs

    # --- scoping ---

    def visible_to(self, membership: "Membership | None") -> Self:
        """The rows this member may see: their organisation's, within their brand limits.

        Raises TenantScopeError without a membership: no scope is never "everything".
        """
        if membership is None:
            raise TenantScopeError(f"{self.model.__name__}: visible_to() needs a membership.")
        qs = self.filter(organisation_id=membership.organisation_id)
        ids = membership.brand_limits()
        if ids is not None and self.brand_field is not None:
            limit = models.Q(**{f"{self.brand_field}__in": ids})
            if self.brandless_shared:
                limit |= models.Q(**{f"{self.brand_field}__isnull": True})
            qs = qs.filter(limit)
        return qs._scoped()

    def all_tenants(self) -> Self:
        """Every organisation's rows, on purpose (the door, a user's own memberships, …)."""
        return self._chain()._scoped()

    def _scoped(self) -> Self:
        self._tenant_scoped = True
        return self

    # --- the check, wherever a queryset reaches the database ---

    def _scope_check(self) -> None:
        if not _guard.get() or self._tenant_scoped or self._hints.get("instance") is not None:
            return
        query = self.query
        if query.is_empty() or _names_organisation(query.where):
            return
        raise TenantScopeError(
            f"Unscoped read of {self.model.__name__} in an organisation request: start from "
            f"{self.model.__name__}.objects.visible_to(membership), filter on the organisation, "
            "or say all_tenants()."
        )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._scope_check()
        super()._fetch_all()

    def iterator(self, chunk_size: int | None = None) -> Iterator[_M]:
        self._scope_check()
        return super().iterator(chunk_size)

    def count(self) -> int:
        if self._result_cache is None:
            self._scope_check()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._scope_check()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._scope_check()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._scope_check()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._scope_check()
        return super().delete()


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    """The default manager of tenant-owned models (subclass the queryset to add rules)."""
