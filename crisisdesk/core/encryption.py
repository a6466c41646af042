"""Encryption at rest of small secrets (a source's credentials): Fernet tokens from the
`cryptography` library (AES-128-CBC + HMAC-SHA256, authenticated, timestamped), under a
MultiFernet so that keys rotate: the first key of SOURCE_CREDENTIALS_KEY encrypts, every key
decrypts, and `reencrypt` moves a token to the first key.

Without SOURCE_CREDENTIALS_KEY (the embedded run, tests) the key is derived from SECRET_KEY
with HKDF-SHA256 under its own label, so it is never SECRET_KEY itself; production sets its
own key (a `manage.py check --deploy` warning says so otherwise).
"""

import base64
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class DecryptionFailed(Exception):
    """A token no configured key opens (the key was changed without keeping the old one)."""


def derived_key(secret: str, *, label: bytes = b"crisisdesk source credentials") -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    return MultiFernet([Fernet(derived_key(secret_key))])


def fernet() -> MultiFernet:
    keys = tuple(getattr(settings, "SOURCE_CREDENTIALS_KEYS", ()) or ())
    return _fernet(keys, settings.SECRET_KEY)


def encrypt_json(value: Any) -> str:
    """The value as JSON, encrypted: an ASCII token to store."""
    return fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> Any:
    if not token:
        return {}
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken:
        raise DecryptionFailed("No configured key opens this token.") from None


def reencrypt(token: str) -> str:
    """The token under the current first key (after a rotation)."""
    return fernet().rotate(token.encode()).decode()
