"""Issue 14, problem 4: every malformed mention item is refused by itself, with its index,
field and reason, on all three ways in (member bulk API, signed ingest, CSV import), never a
500 and never the whole batch; duplicates within a batch are reported as duplicates; a
request's accepted items are stored in one transaction across brands."""

import csv
import json
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from crisisdesk.core.signing import signature_header
from incidents.monitoring.models import Mention
from incidents.monitoring.services import ingest as ingest_module
from incidents.monitoring.services import mention_ingest_for_member

pytestmark = pytest.mark.django_db

OUT_OF_WINDOW = "Must be between 2000-01-01 and 5 minutes from now (UTC)."
PLATFORMS = "Must be one of: vk, telegram, x, facebook, instagram, youtube, news, reviews, other."
COLUMNS = ["platform", "external_id", "author", "text", "url", "language", "posted_at", "reach"]


def good(ext_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "platform": "vk",
        "external_id": ext_id,
        "text": "Отличный кофе",
        "posted_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        **overrides,
    }


# Each: the item's overrides, the refused field and the reason; csv=False where a CSV cell
# (always text) cannot carry the value.
CASES = [
    pytest.param({"platform": []}, "platform", PLATFORMS, id="platform-list"),
    pytest.param({"platform": {}}, "platform", PLATFORMS, id="platform-object"),
    pytest.param({"platform": 3}, "platform", PLATFORMS, id="platform-number"),
    pytest.param({"external_id": []}, "external_id", "Must be a string.", id="external-id-list"),
    pytest.param({"external_id": {}}, "external_id", "Must be a string.", id="external-id-object"),
    pytest.param({"text": []}, "text", "Must be a string.", id="text-list"),
    pytest.param({"text": {"a": 1}}, "text", "Must be a string.", id="text-object"),
    pytest.param({"author": 5}, "author", "Must be a string.", id="author-number"),
    pytest.param({"url": ["x"]}, "url", "Must be a string.", id="url-list"),
    pytest.param({"language": {}}, "language", "Must be a string.", id="language-object"),
    pytest.param({"posted_at": []}, "posted_at", "Must be an ISO 8601 date-time.", id="date-list"),
    pytest.param({"reach": []}, "reach", "Must be a whole number ≥ 0.", id="reach-list"),
    pytest.param({"reach": 1.5}, "reach", "Must be a whole number ≥ 0.", id="reach-float"),
]
TEXT_CASES = [
    pytest.param(
        {"posted_at": "0001-01-01T00:00:00+05:00"}, "posted_at", OUT_OF_WINDOW, id="year-1-offset"
    ),
    pytest.param(
        {"posted_at": "9999-12-31T23:59:00-05:00"}, "posted_at", OUT_OF_WINDOW, id="year-9999"
    ),
    pytest.param({"posted_at": "0001-01-01T00:00:00Z"}, "posted_at", OUT_OF_WINDOW, id="year-1"),
    pytest.param({"posted_at": "1999-12-31T23:59:59Z"}, "posted_at", OUT_OF_WINDOW, id="1999"),
    pytest.param(
        {"posted_at": "2 " * 100}, "posted_at", "Must be an ISO 8601 date-time.", id="long-date"
    ),
    pytest.param(
        {"text": "Hello\x00 there"},
        "text",
        "Contains a control character (U+0000 at position 5).",
        id="nul-in-text",
    ),
    pytest.param(
        {"author": "ann\x1b[31m"},
        "author",
        "Contains a control character (U+001B at position 3).",
        id="escape-in-author",
    ),
    pytest.param(
        {"external_id": "id\x00"},
        "external_id",
        "Contains a control character (U+0000 at position 2).",
        id="nul-in-external-id",
    ),
    pytest.param(
        {"reach": "9" * 5000}, "reach", "Must be a whole number ≥ 0.", id="reach-5000-digits"
    ),
    pytest.param({"reach": "²"}, "reach", "Must be a whole number ≥ 0.", id="reach-superscript"),
    pytest.param({"platform": "[]"}, "platform", PLATFORMS, id="platform-text-list"),
]


# --- the three ways in, each answering (status, [(index, field, reason)], stored ids) ---


def via_member_api(agency: Any, items: list[dict]) -> tuple[int, dict]:
    client = APIClient()
    client.force_authenticate(agency.member("responder").user)
    body = [{"brand": agency.brand.id, **item} for item in items]
    response = client.post("/api/v1/orgs/alpha/mentions/", body, format="json")
    return response.status_code, response.json()


def via_signed_ingest(agency: Any, items: list[dict]) -> tuple[int, dict]:
    raw = json.dumps(items).encode()
    header = signature_header(secret=agency.brand.ingest_secret, body=raw)
    response = APIClient().generic(
        "POST",
        f"/api/v1/ingest/{agency.brand.ingest_id}/",
        raw,
        content_type="application/json",
        HTTP_X_CRISISDESK_SIGNATURE=header,
    )
    return response.status_code, response.json()


def via_csv(agency: Any, items: list[dict], tmp_path: Path) -> tuple[int, dict]:
    """The import's report, in the API's shape; a row's index is its line minus 2."""
    path = tmp_path / "mentions.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for item in items:
            writer.writerow([str(item.get(column, "")) for column in COLUMNS])
    out = StringIO()
    call_command(
        "import_mentions", str(path), "--org", "alpha", "--brand", "alpha-brand",
        "--no-progress", stdout=out, stderr=StringIO(),
    )  # fmt: skip
    text = out.getvalue()
    rejected = []
    for line in text.splitlines():
        if line.startswith("  line "):
            number, field, reason = line[len("  line ") :].split(": ", 2)
            rejected.append({"index": int(number) - 2, "field": field, "reason": reason})
    return 0, {"rejected": rejected, "output": text}


ENTRIES: dict[str, Callable[..., tuple[int, dict]]] = {
    "member-api": via_member_api,
    "signed-ingest": via_signed_ingest,
}


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(("overrides", "field", "reason"), CASES + TEXT_CASES)
def test_a_malformed_item_is_refused_alone_on_the_api(
    agency, entry: str, overrides: dict, field: str, reason: str
) -> None:
    items = [good("ok-1"), good("bad", **overrides), good("ok-2")]

    status, body = ENTRIES[entry](agency, items)

    assert status == 201
    assert body["created"] == 2
    assert body["rejected"] == [{"index": 1, "field": field, "reason": reason}]
    assert set(Mention.objects.values_list("external_id", flat=True)) == {"ok-1", "ok-2"}


@pytest.mark.parametrize(("overrides", "field", "reason"), TEXT_CASES)
def test_a_malformed_line_is_refused_alone_by_the_csv_import(
    agency, tmp_path, overrides: dict, field: str, reason: str
) -> None:
    items = [good("ok-1"), good("bad", **overrides), good("ok-2")]

    _, body = via_csv(agency, items, tmp_path)

    assert body["rejected"] == [{"index": 1, "field": field, "reason": reason}]
    assert set(Mention.objects.values_list("external_id", flat=True)) == {"ok-1", "ok-2"}


def test_the_reasons_are_in_the_members_language(agency) -> None:
    client = APIClient()
    client.force_authenticate(agency.member("responder").user)
    item = {"brand": agency.brand.id, **good("x", posted_at="0001-01-01T00:00:00+05:00")}

    response = client.post(
        "/api/v1/orgs/alpha/mentions/", [item], format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert response.json()["rejected"] == [
        {
            "index": 0,
            "field": "posted_at",
            "reason": "Должно быть не раньше 2000-01-01 и не позже чем через 5 минут от "
            "текущего момента (UTC).",
        }
    ]


# --- duplicates within one batch ---

DUPLICATE = (
    "Repeats an earlier item with the same platform and external_id; the last copy is stored."
)


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_repeated_external_id_is_reported_as_a_duplicate(agency, entry: str) -> None:
    items = [good("a", text="first"), good("b"), good("a", text="second"), good("a", text="last")]

    status, body = ENTRIES[entry](agency, items)

    assert status == 201
    assert (body["created"], body["updated"]) == (2, 0)
    assert body["duplicates"] == [
        {"index": 2, "duplicate_of": 0, "reason": DUPLICATE},
        {"index": 3, "duplicate_of": 0, "reason": DUPLICATE},
    ]
    assert Mention.objects.get(external_id="a").text == "last"


def test_the_same_external_id_on_two_brands_is_no_duplicate(agency) -> None:
    items = [{"brand": agency.brand.id, **good("a")}, {"brand": agency.other_brand.id, **good("a")}]

    result = mention_ingest_for_member(by=agency.member("responder"), items=items)

    assert (result.created, result.duplicates) == (2, [])


# --- one transaction across brands ---


def test_a_two_brand_batch_with_a_bad_item_stores_both_brands_good_items(agency) -> None:
    items = [
        {"brand": agency.brand.id, **good("a1")},
        {"brand": agency.other_brand.id, **good("b1")},
        {"brand": agency.other_brand.id, **good("b2", platform=[])},
        {"brand": agency.brand.id, **good("a2", posted_at="9999-12-31T23:59:00-05:00")},
    ]

    status, body = via_member_api_raw(agency, items)

    assert status == 201
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (2, "platform"),
        (3, "posted_at"),
    ]
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["a1", "b1"]


def via_member_api_raw(agency: Any, items: list[dict]) -> tuple[int, dict]:
    client = APIClient()
    client.force_authenticate(agency.member("responder").user)
    response = client.post("/api/v1/orgs/alpha/mentions/", items, format="json")
    return response.status_code, response.json()


def test_a_failure_storing_the_second_brand_stores_nothing(agency, monkeypatch) -> None:
    stored = ingest_module._store

    def store_then_fail(*, batch: Any, now: Any, result: Any) -> None:
        if batch.brand.id == max(agency.brand.id, agency.other_brand.id):
            raise RuntimeError("the database went away")
        stored(batch=batch, now=now, result=result)

    monkeypatch.setattr(ingest_module, "_store", store_then_fail)
    items = [{"brand": agency.brand.id, **good("a")}, {"brand": agency.other_brand.id, **good("b")}]

    with pytest.raises(RuntimeError):
        mention_ingest_for_member(by=agency.member("responder"), items=items)

    assert not Mention.objects.exists()
