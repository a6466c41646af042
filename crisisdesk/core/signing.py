"""The request signature of signed ingest (incoming) and webhooks (outgoing).

Header `X-CrisisDesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`;
several `v1=` values may be given (a sender rotating its secret).
"""

import hashlib
import hmac
import re
import time

from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import DomainError

SIGNATURE_HEADER = "X-CrisisDesk-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300

_SIGNATURE_RE = re.compile(r"[0-9a-f]{64}")


class SignatureRefused(DomainError):
    status_code = 401
    code = "invalid_signature"


def signature_compute(*, secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<body>" with the secret."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-CrisisDesk-Signature value for a body, signed now unless a timestamp is given."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature_compute(secret=secret, timestamp=timestamp, body=body)}"


def _signature_parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureRefused(gettext_lazy("Malformed signature header."))
        if name == "t":
            if timestamp is not None or not value.isdigit() or len(value) > 12:
                raise SignatureRefused(gettext_lazy("Malformed signature header."))
            timestamp = int(value)
        elif name == "v1":
            if not _SIGNATURE_RE.fullmatch(value):
                raise SignatureRefused(gettext_lazy("Malformed signature header."))
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureRefused(gettext_lazy("Malformed signature header."))
    return timestamp, signatures


def signature_verify(
    *,
    secret: str,
    header: str | None,
    body: bytes,
    now: float | None = None,
    tolerance_seconds: int = SIGNATURE_TOLERANCE_SECONDS,
) -> str:
    """The signature of `header` that matches the body under the secret.

    Refuses (SignatureRefused, 401) a missing or malformed header, a timestamp more than
    `tolerance_seconds` from now either way, and a signature that does not match (compared in
    constant time). Replays are the caller's to refuse: it knows what "already seen" means.
    """
    if not header:
        raise SignatureRefused(
            gettext_lazy("Missing %(header)s header."), params={"header": SIGNATURE_HEADER}
        )
    timestamp, signatures = _signature_parse(header)
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_seconds:
        raise SignatureRefused(gettext_lazy("Signature timestamp is outside the 5-minute window."))
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    matched = [s for s in signatures if hmac.compare_digest(expected, s)]
    if not matched:
        raise SignatureRefused(gettext_lazy("Signature does not match."))
    return matched[0]
