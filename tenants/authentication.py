"""API authentication: knox tokens (see tenants/tokens.py). A module of its own because DRF
imports the authentication classes while it is itself being imported."""

from typing import Any

from django.utils import timezone
from knox.auth import TokenAuthentication


class ApiTokenAuthentication(TokenAuthentication):
    """knox's authentication, without its sweep of the user's other tokens on every request
    (one more query per API call): expired tokens are refused here and deleted when the user
    next signs in (`api_token_issue`)."""

    def _cleanup_token(self, auth_token: Any) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
