"""Baselines of the API-read scenario, served beside the real API by the same server.

Mounted under /bench/ only when CRISISDESK_BENCH=1 (see the end of crisisdesk/urls.py).

- `PingView`: the floor of DRF itself: token authentication, the permission and throttle
  checks, content negotiation and a two-key JSON body.
- `bare_incident_list` / `bare_incident_detail`: the incident list page and detail with no
  DRF at all: they run the same SQL statements as the API (token, membership, brand limits,
  the page with its brand and commander, the page's teams), build the same JSON by hand and
  write it with json.dumps. The difference to the API is what the framework and the
  serializers cost. Tenancy is kept (another organisation answers 404), so the baseline does
  the same work, not less.
"""

import json
from base64 import b64decode, b64encode
from datetime import datetime, timedelta
from hmac import compare_digest
from typing import Any
from urllib.parse import parse_qs, urlencode

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crisisdesk.core.time import iso_z
from incidents.models import OPEN_STATUSES, TRANSITIONS, Incident, Status
from tenants.models import DEFAULT_SLA_TARGETS, ApiToken, Brand, Membership, Organisation, Team

PAGE_SIZE = 50


class PingView(APIView):
    """(a) A trivial authenticated DRF endpoint: the framework's floor."""

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response({"ok": True, "user": request.user.pk})


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


_INCIDENT = _table(Incident)
_INCIDENT_TEAMS = _table(Incident.teams.through)
_BRAND = _table(Brand)
_TEAM = _table(Team)
_MEMBERSHIP = _table(Membership)
_MEMBERSHIP_BRANDS = _table(Membership.brands.through)
_ORGANISATION = _table(Organisation)
_TOKEN = _table(ApiToken)
_USER = connection.ops.quote_name("auth_user")

_INCIDENT_COLUMNS = (
    "i.id, i.title, i.summary, i.severity, i.status, i.source, i.crisis_type, i.is_drill, "
    "i.detected_at, i.acknowledged_at, i.first_response_at, i.resolved_at, i.closed_at, "
    "i.created_at, i.updated_at, b.id, b.name, b.slug, c.id, cu.username"
)
_INCIDENT_FROM = (
    f"FROM {_INCIDENT} i JOIN {_BRAND} b ON b.id = i.brand_id "
    f"LEFT JOIN {_MEMBERSHIP} c ON c.id = i.commander_id "
    f"LEFT JOIN {_USER} cu ON cu.id = c.user_id"
)
_MILESTONES = (
    ("acknowledge", 9),
    ("first_response", 10),
    ("resolve", 11),
)


class _NotFound(Exception):
    pass


def _membership(cursor: Any, request: HttpRequest, org_slug: str) -> tuple | None:
    """(membership id, organisation id, sla targets, limited brand ids) or None (401/404)."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme != "Token" or not key:
        return None
    # The same check as the product's (knox): look up by the key's first characters, compare
    # the digest in constant time, refuse an expired token.
    cursor.execute(
        f"SELECT t.user_id, u.is_active, t.digest FROM {_TOKEN} t "  # noqa: S608 (names from models)
        f"JOIN {_USER} u ON u.id = t.user_id WHERE t.token_key = %s AND t.expiry > %s",
        [key[: CONSTANTS.TOKEN_KEY_LENGTH], timezone.now()],
    )
    row = next((r for r in cursor.fetchall() if compare_digest(r[2], hash_token(key))), None)
    if row is None or not row[1]:
        return None
    cursor.execute(
        f"SELECT m.id, o.id, o.sla_targets FROM {_MEMBERSHIP} m "  # noqa: S608
        f"JOIN {_ORGANISATION} o ON o.id = m.organisation_id "
        "WHERE m.user_id = %s AND o.slug = %s AND o.deleted_at IS NULL ORDER BY m.id LIMIT 1",
        [row[0], org_slug],
    )
    membership = cursor.fetchone()
    if membership is None:
        raise _NotFound
    cursor.execute(
        f"SELECT brand_id FROM {_MEMBERSHIP_BRANDS} WHERE membership_id = %s",  # noqa: S608
        [membership[0]],
    )
    brands = [r[0] for r in cursor.fetchall()]
    targets = membership[2]
    if isinstance(targets, str):
        targets = json.loads(targets)
    return membership[0], membership[1], targets, brands or None


def _when(value: datetime | None) -> str | None:
    if value is None:
        return None
    return iso_z(value, timezone.get_current_timezone())


def _row_json(row: tuple, teams: list[dict], targets: dict, now: datetime) -> dict[str, Any]:
    severity, status, detected_at = row[3], row[4], row[8]
    is_open = status in OPEN_STATUSES
    sla = {}
    for kind, column in _MILESTONES:
        minutes = int((targets.get(severity) or {}).get(kind, DEFAULT_SLA_TARGETS[severity][kind]))
        due_at = detected_at + timedelta(minutes=minutes)
        met_at = row[column]
        breached = (met_at > due_at) if met_at is not None else (is_open and now > due_at)
        sla[kind] = {
            "target_minutes": minutes,
            "due_at": _when(due_at),
            "met_at": _when(met_at),
            "breached": breached,
        }
    return {
        "id": row[0],
        "brand": {"id": row[15], "name": row[16], "slug": row[17]},
        "title": row[1],
        "summary": row[2],
        "severity": severity,
        "status": status,
        "source": row[5],
        "crisis_type": row[6],
        "is_drill": row[7],
        "commander": {"id": row[18], "username": row[19]} if row[18] is not None else None,
        "teams": teams,
        "detected_at": _when(detected_at),
        "acknowledged_at": _when(row[9]),
        "first_response_at": _when(row[10]),
        "resolved_at": _when(row[11]),
        "closed_at": _when(row[12]),
        "created_at": _when(row[13]),
        "updated_at": _when(row[14]),
        "sla": sla,
        "allowed_transitions": [s for s in TRANSITIONS[Status(status)] if s != Status.CLOSED],
    }


def _teams(cursor: Any, incident_ids: list[int]) -> dict[int, list[dict]]:
    teams: dict[int, list[dict]] = {i: [] for i in incident_ids}
    if incident_ids:
        cursor.execute(
            f"SELECT it.incident_id, t.id, t.name FROM {_TEAM} t "  # noqa: S608
            f"JOIN {_INCIDENT_TEAMS} it ON it.team_id = t.id "
            "WHERE it.incident_id = ANY(%s) ORDER BY t.name",
            [incident_ids],
        )
        for incident_id, team_id, name in cursor.fetchall():
            teams[incident_id].append({"id": team_id, "name": name})
    return teams


def _json(data: Any, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode(), status=status, content_type="application/json")


def _refused(exc: Exception | None) -> HttpResponse:
    if isinstance(exc, _NotFound):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return JsonResponse(
        {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"},
        status=401,
    )


def _cursor_position(value: str | None) -> int | None:
    """The `p` of DRF's cursor (base64 of "p=<id>"), enough for the pages the bench reads."""
    if not value:
        return None
    try:
        position = parse_qs(b64decode(value.encode()).decode()).get("p", [None])[0]
        return int(position) if position is not None else None
    except ValueError:
        return None


def _page_link(request: HttpRequest, tokens: dict[str, str]) -> str:
    """DRF's cursor link: the request's URL with `cursor` = base64 of the urlencoded tokens."""
    cursor_value = b64encode(urlencode(tokens).encode("ascii")).decode("ascii")
    query = sorted({**request.GET.dict(), "cursor": cursor_value}.items())
    return request.build_absolute_uri(request.path) + "?" + urlencode(query)


@require_GET
def bare_incident_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    """(b) The first (or a cursor's) page of 50 incidents, newest first, without DRF."""
    with connection.cursor() as cursor:
        try:
            scope = _membership(cursor, request, org_slug)
        except _NotFound as exc:
            return _refused(exc)
        if scope is None:
            return _refused(None)
        _, organisation_id, targets, brands = scope
        where = ["i.organisation_id = %s"]
        params: list[Any] = [organisation_id]
        if brands is not None:
            where.append("i.brand_id = ANY(%s)")
            params.append(brands)
        position = _cursor_position(request.GET.get("cursor"))
        if position is not None:
            where.append("i.id < %s")
            params.append(position)
        cursor.execute(
            f"SELECT {_INCIDENT_COLUMNS} {_INCIDENT_FROM} WHERE {' AND '.join(where)} "  # noqa: S608
            f"ORDER BY i.id DESC LIMIT {PAGE_SIZE + 1}",
            params,
        )
        rows = cursor.fetchall()
        has_next = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        teams = _teams(cursor, [r[0] for r in rows])
    now = timezone.now()
    next_link = previous_link = None
    if has_next:
        next_link = _page_link(request, {"p": str(rows[-1][0])})
    if position is not None and rows:
        # A forward cursor's way back: DRF's reversed cursor at the page's first id.
        previous_link = _page_link(request, {"r": "1", "p": str(rows[0][0])})
    return _json(
        {
            "next": next_link,
            "previous": previous_link,
            "results": [_row_json(r, teams[r[0]], targets, now) for r in rows],
        }
    )


@require_GET
def bare_incident_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """(b) One incident, as the API's detail, without DRF."""
    with connection.cursor() as cursor:
        try:
            scope = _membership(cursor, request, org_slug)
        except _NotFound as exc:
            return _refused(exc)
        if scope is None:
            return _refused(None)
        _, organisation_id, targets, brands = scope
        where = ["i.organisation_id = %s", "i.id = %s"]
        params: list[Any] = [organisation_id, pk]
        if brands is not None:
            where.append("i.brand_id = ANY(%s)")
            params.append(brands)
        cursor.execute(
            f"SELECT {_INCIDENT_COLUMNS} {_INCIDENT_FROM} WHERE {' AND '.join(where)} LIMIT 21",  # noqa: S608
            params,
        )
        row = cursor.fetchone()
        if row is None:
            return _refused(_NotFound())
        teams = _teams(cursor, [row[0]])
    return _json(_row_json(row, teams[row[0]], targets, timezone.now()))
