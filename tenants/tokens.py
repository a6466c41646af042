"""API tokens: issued at sign-in per device, expiring, revocable, stored hashed (knox).

`Authorization: Token <token>` as before. django-rest-knox stores a SHA-512 digest and the
first 15 characters for the lookup; the token is returned once by `api_token_issue`.
"""

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from knox.settings import knox_settings

from crisisdesk.core.exceptions import NotFound
from tenants.models import ApiToken


def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for one device, valid for REST_KNOX["TOKEN_TTL"]; returns the row and the
    token, which exists nowhere else (only its digest is stored)."""
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return ApiToken.objects.create(
        user=user, expiry=knox_settings.TOKEN_TTL, name=name.strip()[:100]
    )


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def api_token_revoke(*, user: User, public_id: str) -> None:
    """Revoke one of the user's own tokens; another user's (or an unknown id) is 404."""
    deleted, _ = ApiToken.objects.filter(user=user, public_id=public_id).delete()
    if not deleted:
        raise NotFound(gettext_lazy("Token not found."))
