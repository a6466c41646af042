"""Account flows on Django's own machinery: email verification by a signed, expiring token
(django.core.signing), password reset by Django's PasswordResetForm and token generator.

django-allauth was weighed and not taken: it would replace the sign-up and sign-in pages and
their tests (axes lockout, the signup throttle, the language handling), add its own models,
middleware and templates, and its API needs its headless mode; what is needed here is two
emails and two checks, which Django ships.

Verification is enforced (`EMAIL_VERIFICATION=mandatory`, the default with
DJANGO_PRODUCTION=1) before a user may create an agency; an accepted invitation proves the
address too. The embedded run and the demo leave it optional.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from crisisdesk.core.exceptions import Conflict, DomainError, Forbidden
from tenants.mail import account_email_send, language_of

__all__ = ["account_email_send", "language_of"]  # also used by the invitation mail
from django.utils.translation import gettext_lazy

from tenants.models import ApiToken, UserProfile

VERIFY_SALT = "crisisdesk.email-verification"


class EmailUnverified(Forbidden):
    code = "email_unverified"


def email_verification_required() -> bool:
    return settings.EMAIL_VERIFICATION == "mandatory"


def email_is_verified(*, user: User) -> bool:
    email = (user.email or "").strip().lower()
    if not email:
        return False
    verified = UserProfile.objects.filter(user=user).values_list("verified_email", flat=True)
    return verified.first() == email


def email_mark_verified(*, user: User) -> None:
    """Record the user's current email as proven (a verification link, an invitation)."""
    UserProfile.objects.update_or_create(
        user=user,
        defaults={
            "verified_email": (user.email or "").strip().lower(),
            "email_verified_at": timezone.now(),
        },
    )


def email_verification_token(*, user: User) -> str:
    """Signed with SECRET_KEY, bound to the user and to the address (a changed email
    makes it useless); expires after EMAIL_VERIFICATION_TTL."""
    return signing.dumps({"u": user.pk, "e": (user.email or "").strip().lower()}, salt=VERIFY_SALT)


def email_verification_send(*, user: User, link_base: str) -> None:
    """Mail the verification link to the user's address, in their language."""
    if not user.email:
        raise DomainError(gettext_lazy("Your account has no email address."), field="email")
    token = email_verification_token(user=user)
    link = link_base.rstrip("/") + reverse("web:verify-email", args=[token])
    account_email_send(
        to=user.email,
        template="verify_email",
        context={"user": user, "link": link, "days": settings.EMAIL_VERIFICATION_TTL.days},
        language=language_of(user),
    )


def email_verify(*, token: str) -> User:
    """Mark the address of the token's user verified. Refuses a forged or mangled token
    (400), an expired one (409), and one for an address the user no longer has (409)."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_TTL)
    except signing.SignatureExpired as exc:
        raise Conflict(gettext_lazy("This verification link has expired.")) from exc
    except signing.BadSignature as exc:
        raise DomainError(gettext_lazy("This verification link is not valid.")) from exc
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None:
        raise DomainError(gettext_lazy("This verification link is not valid."))
    if (user.email or "").strip().lower() != data.get("e"):
        raise Conflict(gettext_lazy("This link was sent to an address the account no longer has."))
    email_mark_verified(user=user)
    return user


def organisation_create_allowed(*, user: User) -> None:
    """Refuse (403, code email_unverified) to create an agency before the email is proven,
    when verification is mandatory."""
    if email_verification_required() and not email_is_verified(user=user):
        raise EmailUnverified(gettext_lazy("Confirm your email address before creating an agency."))


class LocalizedPasswordResetForm(PasswordResetForm):
    """Django's reset form, mailing each user in their own language through the task."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        with translation.override(language_of(context["user"])):
            account_email_send(
                to=to_email,
                template="password_reset",
                context=context,
                language=translation.get_language(),
            )


def password_reset_request(*, email: str, request: Any) -> None:
    """Mail a reset link to every active account with this address; silent otherwise, so
    that the answer does not tell who has an account."""
    form = LocalizedPasswordResetForm({"email": email})
    if form.is_valid():
        with transaction.atomic():
            form.save(request=request, use_https=request.is_secure())


def password_reset_completed(*, user: User) -> None:
    """After a reset every API token of the user stops working (sessions end by themselves:
    their hash follows the password)."""
    ApiToken.objects.filter(user=user).delete()
