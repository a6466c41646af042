"""Signed ingest: a monitoring tool's request accepted exactly once.

The scheme itself (HMAC-SHA256 over "<timestamp>.<body>") is in notifications: our own
webhooks sign with it too.
"""

import hmac
import re
import time

from django.core.cache import cache

from crisisdesk.api import Conflict, DomainError
from incidents.services.notifications import signature_compute
from tenants.models import Brand

SIGNATURE_TOLERANCE_SECONDS = 300
# Longer than the tolerance window on both sides, so a replay is caught for as long as the
# timestamp itself would still pass.
REPLAY_MEMORY_SECONDS = 600
SIGNATURE_HEADER = "X-CrisisDesk-Signature"

_SIGNATURE_RE = re.compile(r"[0-9a-f]{64}")


class SignatureRefused(DomainError):
    status_code = 401
    code = "invalid_signature"


class SignatureReplayed(Conflict):
    code = "replayed"


def _signature_parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureRefused("Malformed signature header.")
        if name == "t":
            if timestamp is not None or not value.isdigit() or len(value) > 12:
                raise SignatureRefused("Malformed signature header.")
            timestamp = int(value)
        elif name == "v1":
            if not _SIGNATURE_RE.fullmatch(value):
                raise SignatureRefused("Malformed signature header.")
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureRefused("Malformed signature header.")
    return timestamp, signatures


def ingest_signature_verify(
    *, brand: Brand, header: str | None, body: bytes, now: float | None = None
) -> None:
    """Accept a signed ingest request exactly once.

    Refuses (401) a missing or malformed header, a signature that does not match the brand's
    secret (compared in constant time), and a timestamp more than 5 minutes from now either
    way; refuses (409) a signature already accepted, so a captured request cannot be replayed.
    """
    if not header:
        raise SignatureRefused(f"Missing {SIGNATURE_HEADER} header.")
    timestamp, signatures = _signature_parse(header)
    now = time.time() if now is None else now
    if abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise SignatureRefused("Signature timestamp is outside the 5-minute window.")
    expected = signature_compute(secret=brand.ingest_secret, timestamp=timestamp, body=body)
    matched = [s for s in signatures if hmac.compare_digest(expected, s)]
    if not matched:
        raise SignatureRefused("Signature does not match.")
    # cache.add is atomic (Redis SET NX); the first request with this signature wins.
    if not cache.add(f"ingest-signature:{brand.id}:{matched[0]}", 1, REPLAY_MEMORY_SECONDS):
        raise SignatureReplayed("This signed request was already received.")
