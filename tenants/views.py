"""Web pages of tenants: sign-in and sign-up, invitations, organisations, the user's settings,
brands, teams and members. Thin: parse a form, call a service or a selector, render."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from crisisdesk.core.confirm import confirmation
from crisisdesk.core.exceptions import DomainError
from crisisdesk.core.throttling import SignupThrottle
from tenants import accounts, policies, selectors, services
from tenants.forms import (
    BrandForm,
    InvitationForm,
    MemberForm,
    OrganisationForm,
    ProfileForm,
    SignupForm,
    TeamForm,
    form_error,
)
from tenants.models import Brand, Membership, Role, Team
from tenants.profiles import user_profile_get, user_profile_update
from tenants.tenancy import (
    AuthenticatedHttpRequest,
    OrgRequest,
    my_memberships,
    org_page,
    scoped_get,
)
from tenants.views_settings import webhook_secret_show_once

NO_STORE = "no-store"

# Sections that the apps building on tenants add to the brand page (monitoring rules, …);
# crisisdesk.web_urls registers them, tenants imports none of those apps. Each is called as
# section(request, brand, forms) and returns {"template": …, **context} or None.
BrandSection = Callable[[OrgRequest, Brand, dict[str, Any]], dict[str, Any] | None]
BRAND_SECTIONS: list[BrandSection] = []


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- Signing in and out, signing up, invitations ---


class SignInView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class SignOutView(LogoutView):
    next_page = "web:login"


def home(request: HttpRequest) -> HttpResponse:
    """The organisation last worked in, the only one, or the list to choose from."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    memberships = list(selectors.user_memberships(user=request.user))
    slugs = [m.organisation.slug for m in memberships]
    last = request.session.get("last_org")
    if last in slugs:
        return redirect("web:dashboard", last)
    if len(slugs) == 1:
        return redirect("web:dashboard", slugs[0])
    return redirect("web:organisations")


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request, reverse("web:home")))
    if request.method == "POST":
        throttle = SignupThrottle()
        if not throttle.allow_request(request, None):
            return _too_many(request, throttle.wait())
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            accounts.email_verification_send(user=user, link_base=request.build_absolute_uri("/"))
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to CrisisDesk."))
            return redirect(_safe_next(request, reverse("web:organisations")))
    return render(
        request,
        "registration/signup.html",
        {"form": form, "next": _safe_next(request, "")},
        status=400 if form.errors else 200,
    )


def _too_many(request: HttpRequest, wait: float | None) -> HttpResponse:
    response = render(request, "registration/too_many.html", status=429)
    if wait:
        response["Retry-After"] = str(int(wait) + 1)
    return response


@login_required
def invitation_accept(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.translated)
        else:
            messages.success(
                request,
                _("You joined %(organisation)s.") % {"organisation": membership.organisation.name},
            )
            return redirect("web:dashboard", membership.organisation.slug)
    return render(request, "registration/invitation.html", {"token": token})


# --- The user's organisations and settings ---


@login_required
def organisations(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation switcher's full page; anyone signed in may found a new agency."""
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                by=request.user,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"] or None,
            )
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(
                request,
                _("Organisation created. You are its owner. Copy its webhook secret now."),
            )
            webhook_secret_show_once(
                request, organisation_id=organisation.id, secret=organisation.webhook_secret
            )
            return redirect("web:org-settings", organisation.slug)
    request.my_memberships = my_memberships(request)
    return render(
        request,
        "tenants/organisations.html",
        {
            "form": form,
            "memberships": request.my_memberships,
            "must_verify": accounts.email_verification_required()
            and not accounts.email_is_verified(user=request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = user_profile_get(user=request.user)
    form = ProfileForm(
        request.POST or None,
        initial={"language": current.language, "time_zone": current.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_profile_update(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            response = redirect("web:profile")
            messages.success(request, _("Settings saved."))
            _remember_language_cookie(response, form.cleaned_data["language"])
            return response
    return render(
        request, "tenants/profile.html", {"form": form}, status=400 if form.errors else 200
    )


def _remember_language_cookie(response: HttpResponse, language: str) -> None:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The switcher in the top bar: remembered in the profile of a signed-in user, in Django's
    language cookie for everyone (set_language also validates the code and the next URL)."""
    if request.user.is_authenticated:
        code = request.POST.get("language", "")
        try:
            user_profile_update(user=request.user, language=code)
        except DomainError as exc:
            messages.error(request, exc.translated)
    return set_language(request)


# --- Brands ---


# Alike teams on purpose: a list with its create form; each calls its own service with its
# own fields and renders its own template.
@org_page()
def brands(request: OrgRequest) -> HttpResponse:
    """The organisation's brands; managers add one and see its ingest secret this once."""
    membership = request.membership
    form = BrandForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            brand, secret = services.brand_create(
                organisation=request.organisation,
                name=data["name"],
                slug=data["slug"] or None,
                languages=data["languages"],
                default_teams=data["default_teams"],
                require_client_approval=data["require_client_approval"],
            )
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            return _secret_redirect(request, brand, secret, created=True)
    return render(
        request,
        "tenants/brands.html",
        {
            "brands": selectors.brand_list(membership=membership),
            "form": form,
            "can_manage": policies.may_set_up(membership),
        },
        status=400 if form.errors else 200,
    )


def _secret_session_key(brand: Brand) -> str:
    return f"brand-secret-{brand.organisation_id}-{brand.pk}"


def _secret_redirect(
    request: OrgRequest, brand: Brand, secret: str, *, created: bool
) -> HttpResponse:
    """POST-redirect-GET: the new secret waits in the session for the one page that shows it,
    so a reload neither rotates again nor shows it twice."""
    request.session[_secret_session_key(brand)] = {"secret": secret, "created": created}
    return redirect("web:brand-secret", request.organisation.slug, brand.pk)


@org_page()
@require_GET
def brand_secret(request: OrgRequest, brand_pk: int) -> HttpResponse:
    """The new ingest secret, once; afterwards the page says it was shown and how to get one."""
    brand = scoped_get(selectors.brand_list(membership=request.membership), brand_pk)
    shown = request.session.pop(_secret_session_key(brand), None) or {}
    response = render(
        request,
        "tenants/brand_secret.html",
        {
            "brand": brand,
            "secret": shown.get("secret"),
            "created": shown.get("created", False),
            "ingest_url": request.build_absolute_uri(f"/api/v1/ingest/{brand.ingest_id}/"),
        },
    )
    # The secret is shown once: no cache, no back-button copy.
    response["Cache-Control"] = NO_STORE
    return response


def _brand_initial(obj: Brand) -> dict[str, Any]:
    return {
        "name": obj.name,
        "slug": obj.slug,
        "languages": obj.languages,
        "default_teams": list(obj.default_teams.all()),
        "require_client_approval": obj.require_client_approval,
    }


def render_brand(
    request: OrgRequest,
    obj: Brand,
    form: BrandForm | None = None,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    """The brand page; `forms` carries bound forms with errors back to their section."""
    return render(
        request,
        "tenants/brand.html",
        {
            "brand": obj,
            "form": form or BrandForm(membership=request.membership, initial=_brand_initial(obj)),
            "can_manage": policies.may_set_up(request.membership),
            "ingest_url": request.build_absolute_uri(f"/api/v1/ingest/{obj.ingest_id}/"),
            "extra_sections": [
                section
                for provider in BRAND_SECTIONS
                if (section := provider(request, obj, forms)) is not None
            ],
        },
        status=status,
    )


@org_page()
def brand(request: OrgRequest, brand_pk: int) -> HttpResponse:
    obj = scoped_get(selectors.brand_list(membership=request.membership), brand_pk)
    form = BrandForm(
        request.POST or None, membership=request.membership, initial=_brand_initial(obj)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["slug"] = data["slug"] or obj.slug
        try:
            services.brand_update(brand=obj, default_teams=data.pop("default_teams"), **data)
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(request, _("Brand saved."))
            return redirect("web:brand", request.organisation.slug, obj.pk)
    return render_brand(request, obj, form, status=400 if form.errors else 200)


@org_page()
@require_POST
def brand_rotate_secret(request: OrgRequest, brand_pk: int) -> HttpResponse:
    obj = scoped_get(selectors.brand_list(membership=request.membership), brand_pk)
    ask = confirmation(
        request,
        title=_("Rotate the ingest secret of “%(name)s”?") % {"name": obj.name},
        consequence=_(
            "A new secret is made and the current one stops working at once: live ingest "
            "for this brand is refused until every sender signs with the new secret."
        ),
        action=_("Rotate the secret"),
        cancel_url=reverse("web:brand", args=[request.organisation.slug, obj.pk]),
    )
    if ask:
        return ask
    secret = services.brand_rotate_secret(brand=obj, by=request.membership)
    return _secret_redirect(request, obj, secret, created=False)


# Alike brand_rotate_secret and member_remove on purpose: each confirmation names its own
# consequence and service; deleting may be refused (a brand with incidents), rotating may not.
@org_page()
@require_POST
def brand_delete(request: OrgRequest, brand_pk: int) -> HttpResponse:
    obj = scoped_get(selectors.brand_list(membership=request.membership), brand_pk)
    ask = confirmation(
        request,
        title=_("Delete the brand “%(name)s”?") % {"name": obj.name},
        consequence=_(
            "The brand, its monitoring rules and its ingest address are deleted; this "
            "cannot be undone. A brand that has incidents cannot be deleted."
        ),
        action=_("Delete the brand"),
        cancel_url=reverse("web:brand", args=[request.organisation.slug, obj.pk]),
    )
    if ask:
        return ask
    try:
        services.brand_delete(brand=obj, by=request.membership)
    except DomainError as exc:
        messages.error(request, exc.translated)
        return redirect("web:brand", request.organisation.slug, obj.pk)
    messages.success(request, _("Brand deleted."))
    return redirect("web:brands", request.organisation.slug)


# --- Teams ---


# Alike brands and member on purpose: the create-and-list page of teams; its form, service
# (team_create) and template are the teams' own, only the form-page steps look the same.
@org_page(client=("GET",))
def teams(request: OrgRequest) -> HttpResponse:
    membership = request.membership
    form = TeamForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_create(
                organisation=request.organisation,
                name=form.cleaned_data["name"],
                members=form.cleaned_data["members"],
            )
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(request, _("Team created."))
            return redirect("web:teams", request.organisation.slug)
    return render(
        request,
        "tenants/teams.html",
        {
            "teams": selectors.team_list(membership=membership),
            "form": form,
            "can_manage": policies.may_set_up(membership),
        },
        status=400 if form.errors else 200,
    )


# Alike teams and member on purpose: the edit page of one team; it saves through team_update
# and renders tenants/team.html, the member page through membership_update and its own.
@org_page(client=("GET",))
def team(request: OrgRequest, team_pk: int) -> HttpResponse:
    membership = request.membership
    obj: Team = scoped_get(selectors.team_list(membership=membership), team_pk)
    form = TeamForm(
        request.POST or None,
        membership=membership,
        initial={"name": obj.name, "members": list(obj.members.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(
                team=obj, name=form.cleaned_data["name"], members=form.cleaned_data["members"]
            )
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(request, _("Team saved."))
            return redirect("web:teams", request.organisation.slug)
    return render(
        request,
        "tenants/team.html",
        {
            "team": obj,
            "form": form,
            "can_manage": policies.may_set_up(membership),
        },
        status=400 if form.errors else 200,
    )


# Alike brand_rotate_secret and brand_delete on purpose: the team's confirmation names its own
# consequence (members stay in the organisation) and cannot be refused.
@org_page()
@require_POST
def team_delete(request: OrgRequest, team_pk: int) -> HttpResponse:
    obj = scoped_get(selectors.team_list(membership=request.membership), team_pk)
    ask = confirmation(
        request,
        title=_("Delete the team “%(name)s”?") % {"name": obj.name},
        consequence=_(
            "The team is deleted; its members stay in the organisation, and incidents and "
            "brands no longer name it. This cannot be undone."
        ),
        action=_("Delete the team"),
        cancel_url=reverse("web:team", args=[request.organisation.slug, obj.pk]),
    )
    if ask:
        return ask
    services.team_delete(team=obj)
    messages.success(request, _("Team deleted."))
    return redirect("web:teams", request.organisation.slug)


# --- Members and invitations (owners change them) ---


@org_page(write_role=Role.OWNER, client=("GET",))
def members(request: OrgRequest) -> HttpResponse:
    """Members with their roles, brands and teams; owners invite people from here."""
    membership = request.membership
    is_owner = policies.may_own(membership)
    form = InvitationForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = services.invitation_create(
                organisation=request.organisation,
                by=request.membership,
                link_base=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            return _invitation_page(request, invitation, token)
    return render(
        request,
        "tenants/members.html",
        {
            "members": selectors.member_list(membership=membership),
            "invitations": (
                selectors.invitation_list(membership=membership).filter(accepted_at__isnull=True)
                if is_owner
                else []
            ),
            "form": form,
            "is_owner": is_owner,
        },
        status=400 if form.errors else 200,
    )


def _invitation_page(request: HttpRequest, invitation: object, token: str) -> HttpResponse:
    response = render(
        request,
        "tenants/invitation_created.html",
        {
            "invitation": invitation,
            "accept_url": request.build_absolute_uri(
                reverse("web:invitation-accept", args=[token])
            ),
        },
    )
    response["Cache-Control"] = NO_STORE
    return response


@org_page(read_role=Role.OWNER, write_role=Role.OWNER)
@require_POST
def invitation_resend(request: OrgRequest, invitation_pk: int) -> HttpResponse:
    """A new link for a pending invitation, mailed again; the old link stops working."""
    obj = scoped_get(selectors.invitation_list(membership=request.membership), invitation_pk)
    try:
        invitation, token = services.invitation_resend(
            invitation=obj, by=request.membership, link_base=request.build_absolute_uri("/")
        )
    except DomainError as exc:
        messages.error(request, exc.translated)
        return redirect("web:members", request.organisation.slug)
    return _invitation_page(request, invitation, token)


@org_page(write_role=Role.OWNER)
def member(request: OrgRequest, membership_pk: int) -> HttpResponse:
    membership = request.membership
    obj: Membership = scoped_get(selectors.member_list(membership=membership), membership_pk)
    form = MemberForm(
        request.POST or None,
        membership=membership,
        initial={
            "role": obj.role,
            "kind": obj.kind,
            "brands": list(obj.brands.all()),
            "is_client_approver": obj.is_client_approver,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(membership=obj, by=request.membership, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(request, _("Member saved."))
            return redirect("web:members", request.organisation.slug)
    return render(
        request,
        "tenants/member.html",
        {"member": obj, "form": form, "is_owner": policies.may_own(membership)},
        status=400 if form.errors else 200,
    )


@org_page(write_role=Role.OWNER)
@require_POST
def member_remove(request: OrgRequest, membership_pk: int) -> HttpResponse:
    obj = scoped_get(selectors.member_list(membership=request.membership), membership_pk)
    if obj.pk == request.membership.pk:
        title = _("Leave “%(org)s”?") % {"org": request.organisation.name}
        consequence = _(
            "You lose access to this organisation's incidents at once; only an owner can "
            "invite you again."
        )
    else:
        title = _("Remove %(name)s from “%(org)s”?") % {
            "name": obj.user.get_username(),
            "org": request.organisation.name,
        }
        consequence = _(
            "%(name)s loses access to this organisation at once and leaves its teams. They "
            "can come back only with a new invitation."
        ) % {"name": obj.user.get_username()}
    ask = confirmation(
        request,
        title=title,
        consequence=consequence,
        action=_("Remove the member") if obj.pk != request.membership.pk else _("Leave"),
        cancel_url=reverse("web:member", args=[request.organisation.slug, obj.pk]),
    )
    if ask:
        return ask
    try:
        services.membership_remove(membership=obj, by=request.membership)
    except DomainError as exc:
        messages.error(request, exc.translated)
        return redirect("web:member", request.organisation.slug, obj.pk)
    messages.success(request, _("Member removed."))
    if obj.pk == request.membership.pk:
        return redirect("web:home")
    return redirect("web:members", request.organisation.slug)
