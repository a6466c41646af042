"""Activate the signed-in user's own language and time zone for the request."""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from tenants.profiles import user_profile_get


class UserPreferencesMiddleware:
    """Runs after AuthenticationMiddleware (it needs request.user) and after LocaleMiddleware,
    whose cookie/Accept-Language choice it overrides when the user has chosen a language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = user_profile_get(user=user)
            if profile.language:
                translation.activate(profile.language)
                request.LANGUAGE_CODE = profile.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(profile.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
