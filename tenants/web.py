"""The one door to tenant data for the web pages under /o/<org_slug>/.

Every organisation page is a view wrapped in `org_page`. It resolves the organisation from
the URL with the same selector the API uses, sets `request.organisation` and
`request.membership`, and checks the role. Anonymous visitors go to the sign-in page; a
non-member, and anyone asking for an object that is not theirs (another organisation's, or
another brand's for a brand-limited member), gets the friendly not-found page — never a 403
and never the object; a member whose role may not do something gets the 403 page.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from tenants.models import Membership, Role
from tenants.selectors import membership_for, user_memberships

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

View = Callable[..., HttpResponse]


def not_found(request: HttpRequest) -> HttpResponse:
    """The friendly 404 page, whatever DEBUG says (the technical page would leak URLs)."""
    return render(request, "404.html", status=404)


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


def my_memberships(request: HttpRequest) -> Any:
    """The organisations of the signed-in user, for the switcher; queried only when shown."""
    return SimpleLazyObject(lambda: list(user_memberships(user=request.user)))


def org_page(*, read_role: str = Role.VIEWER, write_role: str = Role.MANAGER) -> Callable:
    """Decorate a view of /o/<org_slug>/…: the view gets the request (with .organisation and
    .membership) and the other URL kwargs, never org_slug.

    `read_role` is needed for GET/HEAD, `write_role` for every other method (the default,
    manager, mirrors the API's default write role).
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, org_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for(user=request.user, org_slug=org_slug)
            if membership is None:
                return not_found(request)
            request.membership = membership
            request.organisation = membership.organisation
            request.my_memberships = my_memberships(request)
            if request.session.get("last_org") != org_slug:
                request.session["last_org"] = org_slug  # where the home page goes next time
            required = read_role if request.method in SAFE_METHODS else write_role
            if not membership.has_role(required):
                return forbidden(request)
            try:
                return view(request, *args, **kwargs)
            except Http404:
                return not_found(request)
            except PermissionDenied:
                return forbidden(request)

        wrapper.org_page = True  # the URL walk of the isolation test looks for it
        wrapper.read_role = read_role
        wrapper.write_role = write_role
        return wrapper

    return decorator


def scoped_get(queryset: QuerySet, pk: Any) -> Model:
    """One object of an already scoped queryset, or Http404 ("not yours" = "does not exist")."""
    if not str(pk).isdigit():
        raise Http404
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def require_role(membership: Membership, role: str) -> None:
    """Inside a view: refuse (403 page) an action the member's role does not allow."""
    if not membership.has_role(role):
        raise PermissionDenied
