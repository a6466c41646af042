"""A person's own settings (language, time zone): the selector and the one write."""

import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import DomainError
from tenants.models import UserProfile


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone the server knows, sorted (the choices of the settings form)."""
    return tuple(sorted(zoneinfo.available_timezones()))


def user_profile_get(*, user: User) -> UserProfile:
    """The user's profile, or an unsaved default one (nothing is written on a read)."""
    profile = UserProfile.objects.filter(user=user).first()
    return profile or UserProfile(user=user)


def user_profile_update(
    *, user: User, language: str | None = None, time_zone: str | None = None
) -> UserProfile:
    """Set the language and/or time zone; creates the profile on first use.

    Refuses a language the site does not offer and a time zone the server does not know.
    """
    fields: dict[str, str] = {}
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise DomainError(gettext_lazy("Unknown language."), field="language")
        fields["language"] = language
    if time_zone is not None:
        if time_zone not in time_zone_names():
            raise DomainError(gettext_lazy("Unknown time zone."), field="time_zone")
        fields["time_zone"] = time_zone
    profile, _created = UserProfile.objects.update_or_create(user=user, defaults=fields)
    return profile
