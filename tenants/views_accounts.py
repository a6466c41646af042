"""Account pages: password reset (Django's views, our templates and form), email
verification (the link, and sending it again)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crisisdesk.core.exceptions import DomainError
from crisisdesk.core.throttling import AccountEmailThrottle
from tenants import accounts
from tenants.tenancy import AuthenticatedHttpRequest


def _throttled(request: HttpRequest) -> HttpResponse | None:
    throttle = AccountEmailThrottle()
    if throttle.allow_request(request, None):
        return None
    response = render(request, "registration/too_many.html", status=429)
    response["Retry-After"] = str(int(throttle.wait() or 0) + 1)
    return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = accounts.LocalizedPasswordResetForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("web:password-reset-done")

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return _throttled(request) or super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")

    def form_valid(self, form: object) -> HttpResponse:
        response = super().form_valid(form)
        accounts.password_reset_completed(user=self.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the verification email: proves the address (idempotent, so a mail
    scanner opening it first does no harm)."""
    try:
        user = accounts.email_verify(token=token)
    except DomainError as exc:
        return render(
            request, "registration/verify_email.html", {"error": exc.translated}, status=400
        )
    return render(request, "registration/verify_email.html", {"verified_user": user})


@login_required
@require_POST
def verification_resend(request: AuthenticatedHttpRequest) -> HttpResponse:
    refused = _throttled(request)
    if refused:
        return refused
    try:
        accounts.email_verification_send(
            user=request.user, link_base=request.build_absolute_uri("/")
        )
    except DomainError as exc:
        messages.error(request, exc.translated)
    else:
        messages.success(
            request, _("We sent a confirmation link to %(email)s.") % {"email": request.user.email}
        )
    return redirect("web:organisations")
