"""DRF throttles keyed by `client_ip()` instead of DRF's own reading of X-Forwarded-For.

Authenticated requests are keyed by the user as before; only the anonymous identity (and so
every throttle of the sign-in, token and sign-up endpoints) comes from the client address.
"""

from typing import Any

from rest_framework import throttling

from crisisdesk.core.client_ip import client_ip


class _ClientIpIdent:
    def get_ident(self, request: Any) -> str:
        return client_ip(request)


class UserRateThrottle(_ClientIpIdent, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(_ClientIpIdent, throttling.AnonRateThrottle):
    pass


class ScopedRateThrottle(_ClientIpIdent, throttling.ScopedRateThrottle):
    pass


class AddressRateThrottle(_ClientIpIdent, throttling.SimpleRateThrottle):
    """Per client address whoever is signed in, for one scope (set on the subclass)."""

    def allow_request(self, request: Any, view: Any) -> bool:
        # Also called by pages (sign-up, account emails, public pages): a Django HttpRequest
        # and no view.
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignupThrottle(AddressRateThrottle):
    """Account creation, by the API and the sign-up page alike."""

    scope = "signup"


class AccountEmailThrottle(AddressRateThrottle):
    """Requests that mail someone (password reset, verification): per client address."""

    scope = "account_email"


class PublicPageThrottle(AddressRateThrottle):
    """Anonymous public pages (statement pages and their feeds): per client address."""

    scope = "public_page"


class PublicSubscribeThrottle(AddressRateThrottle):
    """Email subscriptions from public pages (each one mails a confirmation): per address."""

    scope = "public_subscribe"
