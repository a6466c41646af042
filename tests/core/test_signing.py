"""The incoming side of the signature (signed ingest): `signature_verify` accepts a header
computed outside the product, with openssl, and refuses it after any change. The outgoing
side's known answer is in tests/tenants/test_webhook_secret.py. Neither compares the product
with itself, so a wrong algorithm, message layout or encoding fails here."""

import pytest

from crisisdesk.core.signing import SignatureRefused, signature_verify

# printf '%s' '1767225600.<BODY>' | openssl dgst -sha256 -hmac brand-ingest-known-secret
SECRET = "brand-ingest-known-secret"
TIMESTAMP = 1767225600
BODY = (
    '[{"platform":"vk","external_id":"ka-1","text":"Кофе остыл",'
    '"posted_at":"2026-01-01T00:00:00Z"}]'
).encode()
HEX = "e60ec10322eb66921c614e0a2f6faa43c3d2be6e777388d4cc8a840345782751"


def test_an_openssl_signature_is_accepted() -> None:
    header = f"t={TIMESTAMP},v1={HEX}"

    assert signature_verify(secret=SECRET, header=header, body=BODY, now=TIMESTAMP + 10) == HEX


def test_a_rotating_sender_may_give_the_old_and_the_new_signature() -> None:
    header = f"t={TIMESTAMP},v1={'0' * 64},v1={HEX}"

    assert signature_verify(secret=SECRET, header=header, body=BODY, now=TIMESTAMP) == HEX


@pytest.mark.parametrize(
    ("secret", "timestamp", "body"),
    [
        ("brand-ingest-known-secreT", TIMESTAMP, BODY),  # another secret
        (SECRET, TIMESTAMP + 1, BODY),  # another timestamp under the same signature
        (SECRET, TIMESTAMP, BODY.replace("остыл".encode(), "остыл!".encode())),  # another body
        (SECRET, TIMESTAMP, BODY.decode().encode("utf-16")),  # the same text, other bytes
    ],
    ids=["secret", "timestamp", "body", "encoding"],
)
def test_any_change_is_refused(secret: str, timestamp: int, body: bytes) -> None:
    header = f"t={timestamp},v1={HEX}"

    with pytest.raises(SignatureRefused):
        signature_verify(secret=secret, header=header, body=body, now=TIMESTAMP)


def test_the_known_answer_outside_the_window_is_refused() -> None:
    with pytest.raises(SignatureRefused):
        signature_verify(
            secret=SECRET, header=f"t={TIMESTAMP},v1={HEX}", body=BODY, now=TIMESTAMP + 301
        )
