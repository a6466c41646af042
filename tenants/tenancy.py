"""The one door to tenant data.

Every organisation-scoped entry point resolves its membership here, with `resolve()`:
- API views under /api/v1/orgs/<org_slug>/ inherit `OrgScopedViewSet` or `OrgScopedAPIView`;
- pages under /o/<org_slug>/ are wrapped in `org_page`;
- the WebSocket consumer calls `socket_scope()`.
Each sets `request.membership` and `request.organisation` (typed: `OrgRequest`,
`OrgAPIRequest`), checks the role, and keeps `tenant_guard()` on while the view runs, so that a
read of tenant rows that forgets `visible_to(membership)` raises instead of answering with every
organisation's rows (`tenants.scoping`). Another organisation's slug or object answers 404,
exactly like one that does not exist (never 403: an organisation's existence is private).

Client staff (`Membership.kind == "client"`) pass only where a view says so: an API view's
`client_actions`, a page's `org_page(client=…)`. Every other route refuses them (403) before
the view runs, so a route added later stays closed to them until someone decides otherwise.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, permissions, views, viewsets
from rest_framework.request import Request

from tenants.models import Membership, Organisation, Role
from tenants.scoping import tenant_guard
from tenants.selectors import user_memberships

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails
    from rest_framework.permissions import _PermissionClass

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CLIENT_REFUSED = gettext_lazy("Client staff cannot use this.")


class AuthenticatedHttpRequest(HttpRequest):
    """A page request of a signed-in user (`login_required` passed)."""

    user: User
    htmx: "HtmxDetails"  # django_htmx's middleware, on every request
    # The switcher's organisations (`my_memberships`): set by `org_page` and the
    # organisations page.
    my_memberships: Any


class OrgRequest(AuthenticatedHttpRequest):
    """A page request that passed `org_page`: a signed-in user with a membership."""

    membership: Membership
    organisation: Organisation


class AuthenticatedRequest(Request):
    """An API request of a signed-in user (IsAuthenticated passed)."""

    user: User


class OrgAPIRequest(Request):
    """An API request that passed the organisation-scoped base views."""

    user: User
    membership: Membership
    organisation: Organisation


def resolve(*, user: User | AnonymousUser, org_slug: str) -> Membership | None:
    """The user's membership of the live organisation with this slug, or None (→ 404).

    The only function that turns a user and a slug into a membership. Its brand limits are
    read at once (one query now saves one per check later: scoping reads them on every
    request).
    """
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.all_tenants()
        .select_related("organisation", "user")
        .filter(user=user, organisation__slug=org_slug, organisation__deleted_at__isnull=True)
        .first()
    )
    if membership is not None:
        membership.brand_limits_load()
    return membership


def scoped_get(queryset: QuerySet, pk: Any) -> Any:
    """One object (or values row) of an already scoped queryset, or Http404: "not yours" and
    "does not exist" are the same answer, and a pk that is not a number is neither."""
    if not str(pk).isdigit():
        raise Http404
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


# --- API ---


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

    # The stubs' own type: a mixin's attribute must match the APIView's exactly.
    permission_classes: "Sequence[_PermissionClass]" = [
        permissions.IsAuthenticated,
        OrgRolePermission,
    ]
    read_role: ClassVar[str] = Role.VIEWER
    write_role: ClassVar[str] = Role.MANAGER
    # action name (viewsets) or method (API views) -> minimum role
    action_roles: ClassVar[dict[str, str]] = {}
    # The actions (viewsets) or methods (API views) client staff may use; none by default.
    client_actions: ClassVar[frozenset[str]] = frozenset()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with tenant_guard():
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Authenticate first so that anonymous requests get 401, then resolve the tenant
        # so that a non-member gets 404 (never 403: the organisation's existence is private).
        self.perform_authentication(request)  # type: ignore[attr-defined]
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        membership = resolve(user=request.user, org_slug=self.kwargs["org_slug"])  # type: ignore[attr-defined]
        if membership is None:
            raise Http404
        request.membership = membership  # type: ignore[attr-defined]
        request.organisation = membership.organisation  # type: ignore[attr-defined]
        if membership.is_client and not self.client_may(request):
            raise exceptions.PermissionDenied(CLIENT_REFUSED)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def client_may(self, request: Request) -> bool:
        action = getattr(self, "action", None) or request.method
        return action in self.client_actions

    def required_role(self, request: Request) -> str:
        action = getattr(self, "action", None)
        if action and action in self.action_roles:
            return self.action_roles[action]
        if request.method in self.action_roles:
            return self.action_roles[request.method]
        return self.read_role if request.method in SAFE_METHODS else self.write_role

    @property
    def membership(self) -> Membership:
        return self.request.membership  # type: ignore[attr-defined]

    @property
    def organisation(self) -> Organisation:
        return self.request.organisation  # type: ignore[attr-defined]


class OrgScopedViewSet(OrgScopeMixin, viewsets.GenericViewSet):
    """Subclasses set `scoped_model` and implement `scoped_queryset()` with a selector.

    `get_queryset` and `get_object` are owned here and cannot be overridden, so that no
    view can forget the organisation filter (the pattern PostHog's routing mixin uses).
    """

    request: OrgAPIRequest  # from `initial` on
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
            return self.scoped_model._default_manager.none()
        return self.scoped_queryset()

    def get_object(self) -> Any:
        # The lookup runs inside the scoped queryset: "not yours" and "does not exist"
        # are the same 404.
        return scoped_get(self.filter_queryset(self.get_queryset()), self.kwargs["pk"])


class OrgScopedAPIView(OrgScopeMixin, views.APIView):
    """For endpoints that are not a resource (metrics, actions on a parent)."""

    request: OrgAPIRequest  # from `initial` on


class AnonymousAPIView(views.APIView):
    """For the endpoints a visitor calls before having an account or a token (sign-up, sign-in,
    password reset, email verification): no authentication, anyone allowed. Each view sets
    its own throttle."""

    permission_classes: "Sequence[_PermissionClass]" = [permissions.AllowAny]
    authentication_classes: list = []


# --- pages ---

View = Callable[..., HttpResponse]


def not_found(request: HttpRequest) -> HttpResponse:
    """The friendly 404 page, whatever DEBUG says (the technical page would leak URLs)."""
    return render(request, "404.html", status=404)


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


def my_memberships(request: AuthenticatedHttpRequest) -> Any:
    """The organisations of the signed-in user, for the switcher; queried only when shown."""
    return SimpleLazyObject(lambda: list(user_memberships(user=request.user)))


def org_page(
    *,
    read_role: str = Role.VIEWER,
    write_role: str = Role.MANAGER,
    client: tuple[str, ...] = (),
) -> Callable:
    """Decorate a view of /o/<org_slug>/…: the view gets the request (an OrgRequest, with
    .organisation and .membership) and the other URL kwargs, never org_slug.

    `read_role` is needed for GET/HEAD, `write_role` for every other method (the default,
    manager, mirrors the API's default write role). Anonymous visitors go to the sign-in page;
    a non-member, and anyone asking for an object that is not theirs (another organisation's,
    or another brand's for a brand-limited member), gets the friendly not-found page — never a
    403 and never the object; a member whose role may not do something gets the 403 page.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, org_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            with tenant_guard():
                membership = resolve(user=request.user, org_slug=org_slug)
                if membership is None:
                    return not_found(request)
                # Signed in and a member: from here on the request is an OrgRequest.
                org_request = cast(OrgRequest, request)
                org_request.membership = membership
                org_request.organisation = membership.organisation
                org_request.my_memberships = my_memberships(org_request)
                if request.session.get("last_org") != org_slug:
                    request.session["last_org"] = org_slug  # where the home page goes next time
                required = read_role if request.method in SAFE_METHODS else write_role
                if not membership.has_role(required):
                    return forbidden(request)
                if membership.is_client and request.method not in client:
                    return forbidden(request)
                try:
                    return view(request, *args, **kwargs)
                except Http404:
                    return not_found(request)
                except PermissionDenied:
                    return forbidden(request)

        wrapper.org_page = True  # type: ignore[attr-defined]  # the isolation test's URL walk
        wrapper.read_role = read_role  # type: ignore[attr-defined]
        wrapper.write_role = write_role  # type: ignore[attr-defined]
        wrapper.client_methods = client  # type: ignore[attr-defined]
        return wrapper

    return decorator


# --- WebSocket ---


@dataclass(frozen=True, slots=True)
class SocketScope:
    """What a socket of a member may receive: its groups' teams and its brand limits."""

    membership: Membership
    team_ids: list[int]
    brand_ids: list[int] | None


def socket_scope(*, user: User | AnonymousUser, org_slug: str) -> SocketScope | None:
    """Resolve a WebSocket connection like a request (None: refuse it). Synchronous: call it
    through database_sync_to_async."""
    with tenant_guard():
        membership = resolve(user=user, org_slug=org_slug)
        if membership is None:
            return None
        team_ids = list(membership.teams.values_list("id", flat=True))
        return SocketScope(membership, team_ids, membership.brand_limits())
