"""Signed ingest: a monitoring tool's request accepted exactly once.

The signature scheme itself is `crisisdesk.core.signing`: our own webhooks sign with it too.
"""

from django.core.cache import cache
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict
from crisisdesk.core.signing import signature_verify
from tenants.models import Brand

# Longer than the tolerance window on both sides, so a replay is caught for as long as the
# timestamp itself would still pass.
REPLAY_MEMORY_SECONDS = 600


class SignatureReplayed(Conflict):
    code = "replayed"


def ingest_signature_verify(
    *, brand: Brand, header: str | None, body: bytes, now: float | None = None
) -> None:
    """Accept a signed ingest request exactly once.

    Refuses (401) a missing or malformed header, a signature that does not match the brand's
    secret (compared in constant time), and a timestamp more than 5 minutes from now either
    way; refuses (409) a signature already accepted, so a captured request cannot be replayed.
    """
    matched = signature_verify(secret=brand.ingest_secret, header=header, body=body, now=now)
    # cache.add is atomic (Redis SET NX); the first request with this signature wins.
    if not cache.add(f"ingest-signature:{brand.id}:{matched}", 1, REPLAY_MEMORY_SECONDS):
        raise SignatureReplayed(gettext_lazy("This signed request was already received."))
