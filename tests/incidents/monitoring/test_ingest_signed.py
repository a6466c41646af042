"""POST /api/v1/ingest/<ingest id>/: signed by the brand's secret, refused before storing."""

import json
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crisisdesk.core.signing import signature_header
from incidents.monitoring.api import IngestThrottle
from incidents.monitoring.models import Mention

pytestmark = pytest.mark.django_db

HEADER = "HTTP_X_CRISISDESK_SIGNATURE"


def url(brand: object) -> str:
    return f"/api/v1/ingest/{brand.ingest_id}/"


def body_of(*external_ids: str) -> bytes:
    posted = (timezone.now() - timedelta(minutes=1)).isoformat()
    return json.dumps(
        [
            {"platform": "vk", "external_id": e, "text": "Отличный кофе", "posted_at": posted}
            for e in external_ids
        ]
    ).encode()


def send(
    brand: object,
    body: bytes,
    *,
    signature: str | None = "sign",
    content_type: str = "application/json",
    timestamp: int | None = None,
) -> object:
    headers = {}
    if signature == "sign":
        signature = signature_header(secret=brand.ingest_secret, body=body, timestamp=timestamp)
    if signature is not None:
        headers[HEADER] = signature
    return APIClient().generic("POST", url(brand), body, content_type=content_type, **headers)


def test_a_signed_batch_is_stored(agency) -> None:
    response = send(agency.brand, body_of("1", "2"))

    assert response.status_code == 201
    assert response.json()["created"] == 2
    assert set(
        Mention.objects.filter(brand=agency.brand).values_list("external_id", flat=True)
    ) == {
        "1",
        "2",
    }


def test_the_same_mentions_signed_again_update_instead_of_duplicating(agency) -> None:
    body = body_of("1")
    send(agency.brand, body, timestamp=int(time.time()) - 1)

    again = send(agency.brand, body)  # a new signature (new timestamp), the same mention

    assert again.status_code == 200
    assert (again.json()["created"], again.json()["updated"]) == (0, 1)
    assert Mention.objects.count() == 1


@pytest.mark.parametrize(
    ("signature", "detail"),
    [
        (None, "Missing X-CrisisDesk-Signature header."),
        ("", "Missing X-CrisisDesk-Signature header."),
        ("garbage", "Malformed signature header."),
        ("t=abc,v1=" + "0" * 64, "Malformed signature header."),
        # {now}: the time of the test, not of the collection (a suite can run for 20 minutes)
        ("t={now}", "Malformed signature header."),
        ("t={now},v1=nothex", "Malformed signature header."),
        ("t={now},v1=" + "0" * 64, "Signature does not match."),
    ],
    ids=["missing", "empty", "malformed", "bad-time", "no-v1", "short-v1", "wrong"],
)
def test_a_missing_malformed_or_wrong_signature_is_401_and_stores_nothing(
    agency, signature: str | None, detail: str
) -> None:
    if signature is not None:
        signature = signature.replace("{now}", str(int(time.time())))
    response = send(agency.brand, body_of("1"), signature=signature)

    assert response.status_code == 401
    assert response.json() == {"detail": detail, "code": "invalid_signature"}
    assert response["WWW-Authenticate"].startswith("CrisisDesk-Signature")
    assert not Mention.objects.exists()


def test_a_signature_with_another_brands_secret_is_401(agency) -> None:
    body = body_of("1")
    forged = signature_header(secret=agency.other_brand.ingest_secret, body=body)

    response = send(agency.brand, body, signature=forged)

    assert response.status_code == 401
    assert not Mention.objects.exists()


def test_a_signature_over_another_body_is_401(agency) -> None:
    signed_for = body_of("1")
    header = signature_header(secret=agency.brand.ingest_secret, body=signed_for)

    response = send(agency.brand, body_of("1", "2"), signature=header)

    assert response.status_code == 401
    assert not Mention.objects.exists()


# Well past 300 s: the request itself may take a second or more on a loaded machine.
@pytest.mark.parametrize("offset", [-330, 330], ids=["stale", "future"])
def test_a_signature_outside_five_minutes_is_401(agency, offset: int) -> None:
    response = send(agency.brand, body_of("1"), timestamp=int(time.time()) + offset)

    assert response.status_code == 401
    assert response.json()["detail"] == "Signature timestamp is outside the 5-minute window."
    assert not Mention.objects.exists()


def test_a_signature_within_five_minutes_is_accepted(agency) -> None:
    response = send(agency.brand, body_of("1"), timestamp=int(time.time()) - 290)

    assert response.status_code == 201


def test_a_replayed_request_is_409_and_stores_nothing_more(agency) -> None:
    body = body_of("1")
    header = signature_header(secret=agency.brand.ingest_secret, body=body)
    assert send(agency.brand, body, signature=header).status_code == 201
    Mention.objects.all().delete()

    replay = send(agency.brand, body, signature=header)

    assert replay.status_code == 409
    assert replay.json()["code"] == "replayed"
    assert not Mention.objects.exists()


def test_an_unknown_ingest_id_is_404(agency) -> None:
    body = body_of("1")
    header = signature_header(secret=agency.brand.ingest_secret, body=body)

    response = APIClient().generic(
        "POST",
        f"/api/v1/ingest/{uuid.uuid4()}/",
        body,
        content_type="application/json",
        **{HEADER: header},
    )

    assert response.status_code == 404
    assert not Mention.objects.exists()


def test_a_body_over_1_mib_is_413_before_anything_else(agency) -> None:
    body = b"[" + b" " * (2 * 1024 * 1024) + b"]"

    response = send(agency.brand, body, signature=None, content_type="text/plain")

    assert response.status_code == 413
    assert response.json()["limit"] == 1024 * 1024
    assert not Mention.objects.exists()


def test_a_signed_body_of_exactly_1_mib_is_read(agency) -> None:
    payload = body_of("1")
    body = payload + b" " * (1024 * 1024 - len(payload))

    response = send(agency.brand, body)

    assert response.status_code == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_415(agency, content_type: str) -> None:
    response = send(agency.brand, body_of("1"), content_type=content_type)

    assert response.status_code == 415
    assert not Mention.objects.exists()


def test_json_with_a_charset_is_accepted(agency) -> None:
    response = send(agency.brand, body_of("1"), content_type="application/json; charset=utf-8")

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'[{"platform": "vk",', "Malformed JSON"),
        (b"\xff\xfe[]", "The body is not valid UTF-8."),
        (b"[" * 10_000 + b"]" * 10_000, "JSON nested deeper than 20 levels."),
        (b"[" * 21 + b"]" * 21, "JSON nested deeper than 20 levels."),
        (b'{"platform": "vk"}', "Expected a JSON list of mentions."),
    ],
    ids=["malformed", "not-utf8", "10000-nested", "21-nested", "not-a-list"],
)
def test_a_body_that_cannot_be_parsed_is_400(agency, body: bytes, detail: str) -> None:
    response = send(agency.brand, body)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert not Mention.objects.exists()


def test_invalid_items_are_reported_and_valid_ones_stored(agency) -> None:
    items = json.loads(body_of("1", "2"))
    items[1]["platform"] = "fax"

    response = send(agency.brand, json.dumps(items).encode())

    assert response.status_code == 201
    assert response.json()["rejected"][0]["index"] == 1
    assert response.json()["rejected"][0]["field"] == "platform"
    assert Mention.objects.count() == 1


def test_a_deleted_organisations_brand_is_404(agency) -> None:
    agency.org.deleted_at = timezone.now()
    agency.org.save()

    assert send(agency.brand, body_of("1")).status_code == 404


def test_ingest_is_throttled_per_brand(agency, monkeypatch) -> None:
    monkeypatch.setattr(IngestThrottle, "THROTTLE_RATES", {"ingest": "2/min"})

    codes = [send(agency.brand, body_of(str(i))).status_code for i in range(3)]
    other_brand = send(agency.other_brand, body_of("x"))

    assert codes == [201, 201, 429]
    assert other_brand.status_code == 201  # its own budget
    throttled = send(agency.brand, body_of("later"))
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
