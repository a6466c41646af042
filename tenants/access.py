"""The one door to tenant data.

Every API view under /api/v1/orgs/<org_slug>/ inherits `OrgScopedViewSet` (or
`OrgScopedAPIView`). It resolves the organisation from the URL, checks membership and
role, and builds every queryset from the subclass's scoped selector. Another
organisation's slug or object answers 404, exactly like one that does not exist.
"""

from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from django.http import Http404
from rest_framework import exceptions, generics, permissions, views, viewsets
from rest_framework.request import Request

from tenants.models import Membership, Role
from tenants.selectors import membership_for

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class OrgRolePermission(permissions.BasePermission):
    """Viewers read; writes need the view's `write_role` or the per-action `action_roles`."""

    message = "Your role in this organisation does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        membership: Membership | None = getattr(request, "membership", None)
        if membership is None:
            return False
        return membership.has_role(view.required_role(request))


class OrgScopeMixin:
    """Resolve request.organisation and request.membership before anything else runs."""

    permission_classes: ClassVar[list] = [permissions.IsAuthenticated, OrgRolePermission]
    read_role: ClassVar[str] = Role.VIEWER
    write_role: ClassVar[str] = Role.MANAGER
    # action name (viewsets) or method (API views) -> minimum role
    action_roles: ClassVar[dict[str, str]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Authenticate first so that anonymous requests get 401, then resolve the tenant
        # so that a non-member gets 404 (never 403: the organisation's existence is private).
        self.perform_authentication(request)
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        membership = membership_for(user=request.user, org_slug=self.kwargs["org_slug"])
        if membership is None:
            raise Http404
        request.membership = membership
        request.organisation = membership.organisation
        super().initial(request, *args, **kwargs)

    def required_role(self, request: Request) -> str:
        action = getattr(self, "action", None)
        if action and action in self.action_roles:
            return self.action_roles[action]
        if request.method in self.action_roles:
            return self.action_roles[request.method]
        return self.read_role if request.method in SAFE_METHODS else self.write_role

    @property
    def membership(self) -> Membership:
        return self.request.membership

    @property
    def organisation(self) -> Any:
        return self.request.organisation


class OrgScopedViewSet(OrgScopeMixin, viewsets.GenericViewSet):
    """Subclasses set `scoped_model` and implement `scoped_queryset()` with a selector.

    `get_queryset` and `get_object` are owned here and cannot be overridden, so that no
    view can forget the organisation filter (the pattern PostHog's routing mixin uses).
    """

    scoped_model: ClassVar[type[Model]]
    lookup_value_regex = "[0-9]+"
    _sealed: ClassVar[tuple[str, ...]] = ("get_queryset", "get_object")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls._sealed:
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} must not override {name}; use scoped_queryset")

    def scoped_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.scoped_model.objects.none()
        return self.scoped_queryset()

    def get_object(self) -> Any:
        # The lookup runs inside the scoped queryset: "not yours" and "does not exist"
        # are the same 404.
        return scoped_get(self.filter_queryset(self.get_queryset()), self.kwargs["pk"])


class OrgScopedAPIView(OrgScopeMixin, views.APIView):
    """For endpoints that are not a resource (metrics, actions on a parent)."""


def scoped_get(queryset: QuerySet, pk: Any) -> Any:
    """Fetch one object from an already scoped queryset, or 404."""
    if not str(pk).isdigit():
        raise Http404
    return generics.get_object_or_404(queryset, pk=pk)
