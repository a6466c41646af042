"""The API's OpenAPI documentation: one tag per resource, a summary on every operation, and the
error responses each operation can give, in the one JSON error shape, with an example each.

`ApiSchema` is the project's drf-spectacular AutoSchema (REST_FRAMEWORK DEFAULT_SCHEMA_CLASS).
What it derives from the view, a view's `extend_schema` may still say explicitly:

- the tag from the path (TAGS_BY_PATH below; tests/web/test_api_docs.py fails on an operation
  whose path has none);
- the summary from `extend_schema(summary=...)`, else the first line of the action's docstring,
  else "List brands", "Create a brand", ... for the standard viewset actions;
- the error responses from what the view does: 400 for a body or query parameters, 401 when
  it needs a signed-in user, 403 and 404 on organisation-scoped views (the role each action
  needs, from the view's own `required_role`; a non-member gets 404, never 403), 404 for a
  path parameter, 413 for a body, 429 for a throttle, 503 for a database outage. 409 is where
  a service refuses a state: the view says it, with `responses={..., **CONFLICT}` or
  `conflict("...")`.

This module is read by every app's api module and imports none of them.
"""

import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import permissions, serializers

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass


class ErrorSerializer(serializers.Serializer):
    """Every error of the API (crisisdesk.api.exception_handler)."""

    detail = serializers.CharField(help_text="What was refused, in the user's language.")
    code = serializers.CharField(
        help_text="A stable machine-readable code: invalid, not_authenticated, "
        "authentication_failed, permission_denied, not_found, conflict, too_large, throttled, "
        "unavailable, …"
    )
    # DRF's metaclass moves declared fields out of the class, so Serializer.errors is not
    # shadowed at run time; the stubs cannot know that.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(),
        required=False,
        help_text="For 400: the reasons per field, a list of messages (`non_field_errors` for "
        "the body as a whole); a nested field or a list's item has an object of the same "
        'shape, keyed by field or index: `{"languages": {"0": ["…"]}}`.',
    )


# status -> (description, example name, example body)
_ERRORS: dict[int, tuple[str, str, dict[str, Any]]] = {
    400: (
        "Invalid input: the reasons per field in `errors`.",
        "A required field is missing",
        {
            "detail": "title: This field is required.",
            "code": "invalid",
            "errors": {"title": ["This field is required."]},
        },
    ),
    401: (
        "No valid credentials: send `Authorization: Token <token>` (POST /api/v1/auth/token/) "
        "or the session cookie.",
        "No credentials",
        {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"},
    ),
    403: (
        "Your role in this organisation does not allow this.",
        "Role too low",
        {
            "detail": "Your role in this organisation does not allow this.",
            "code": "permission_denied",
        },
    ),
    404: (
        "Not found, or not yours: another organisation's object (or an organisation you are not "
        "a member of) answers the same 404.",
        "Not found",
        {"detail": "Not found.", "code": "not_found"},
    ),
    409: (
        "The object's state refuses this.",
        "State refuses it",
        {"detail": "The incident is closed; its tasks can no longer change.", "code": "conflict"},
    ),
    413: (
        "The body is too large.",
        "Body too large",
        {"detail": "The body is larger than 10.0 MB.", "code": "too_large", "limit": 10485760},
    ),
    429: (
        "Too many requests: try again after the `Retry-After` header's seconds.",
        "Throttled",
        {"detail": "Request was throttled. Expected available in 12 seconds.", "code": "throttled"},
    ),
    503: (
        "The database is unavailable for a moment: try again after `Retry-After` seconds.",
        "Database outage",
        {
            "detail": "The database is unavailable for a moment. Try again in a few seconds.",
            "code": "unavailable",
        },
    ),
}


def error(status: int, description: str | None = None, **example: Any) -> OpenApiResponse:
    """One documented error response in the API's error shape, with an example. `example`
    replaces the standard example's fields (detail, code, …)."""
    default_description, name, body = _ERRORS[status]
    return OpenApiResponse(
        response=ErrorSerializer,
        description=description or default_description,
        examples=[OpenApiExample(name, value={**body, **example}, response_only=True)],
    )


def conflict(description: str, detail: str | None = None) -> dict[int, OpenApiResponse]:
    """`responses={200: X, **conflict("...")}`: the 409 a service raises for a refused state;
    the example's detail is `detail`, else the description's first sentence."""
    return {409: error(409, description, detail=detail or description.split("; ")[0])}


CONFLICT = conflict("The object's state refuses this.")

# First matching path (after /api/v1/) -> tag (None: the path's first group). More specific
# entries first.
TAGS_BY_PATH: list[tuple[str, str | None]] = [
    (r"^auth/", "auth"),
    (r"^(me|ws-ticket)/", "account"),
    (r"^invitations/", "invitations"),
    (r"^ingest/", "ingest"),
    (r"^telegram/", "telegram"),
    (r"^orgs/$", "orgs"),
    (r"^orgs/\{org_slug\}/(export|rotate-webhook-secret)/", "orgs"),
    (r"^orgs/\{org_slug\}/$", "orgs"),
    (r"^orgs/\{org_slug\}/brands/\{brand_pk\}/rules/", "rules"),
    (r"^orgs/\{org_slug\}/brands/\{brand_pk\}/reports/", "reports"),
    (r"^orgs/\{org_slug\}/incidents/\{incident_pk\}/responses/", "responses"),
    (r"^orgs/\{org_slug\}/incidents/\{incident_pk\}/statement-page/", "responses"),
    (r"^orgs/\{org_slug\}/incidents/\{incident_pk\}/tasks/", "tasks"),
    (r"^orgs/\{org_slug\}/incidents/\{incident_pk\}/(apply|suggested)-playbook", "playbooks"),
    (r"^orgs/\{org_slug\}/incidents/\{incident_pk\}/mention-stats/", "mentions"),
    (r"^orgs/\{org_slug\}/incidents/\{id\}/events/", "events"),
    (r"^orgs/\{org_slug\}/(metrics|analytics)/", "analytics"),
    (r"^orgs/\{org_slug\}/sentiment-model/", "sentiment"),
    (r"^orgs/\{org_slug\}/import-presets/", "imports"),
    (r"^orgs/\{org_slug\}/(rotas|escalation-policies|notification-channels)/", "escalation"),
    (
        r"^orgs/\{org_slug\}/(brands|teams|members|invitations|audit|incidents|mentions|sources|"
        r"postmortems|playbooks|templates|telegram|imports)/",
        None,
    ),  # noqa: E501 (the segment)
]

TAG_DESCRIPTIONS: dict[str, str] = {
    "auth": "Accounts and API tokens: register, sign in for a token, password reset, email "
    "verification.",
    "account": "The signed-in user and the one-time WebSocket ticket.",
    "orgs": "Organisations (agencies): create, read, change, delete, export, webhook secret.",
    "brands": "The brands an agency manages, each with its signed-ingest id and secret.",
    "teams": "Teams: the groups an incident is assigned to and live updates go to.",
    "members": "Memberships: role (owner, manager, responder, viewer), kind (agency or "
    "client staff), brand limits.",
    "invitations": "Invitations to join an organisation, and their acceptance.",
    "audit": "The organisation's audit log (owners).",
    "incidents": "Incidents: the lifecycle detected → acknowledged → responding → monitoring → "
    "resolved → closed, severity, assignment, SLA clocks.",
    "events": "An incident's timeline (append-only): the same events the WebSocket pushes.",
    "mentions": "Mentions of the brands: bulk ingest, browsing, sentiment corrections, "
    "per-incident statistics.",
    "ingest": "Signed ingest from monitoring tools (HMAC-SHA256 with the brand's secret).",
    "sources": "Sources that collect mentions by themselves (RSS/Atom, VK, Telegram, YouTube, "
    "Mastodon, Bluesky).",
    "imports": "Uploads of CSV/XLSX exports of listening tools, run on the worker: progress, "
    "refused lines; the organisation's saved column mappings (presets).",
    "rules": "A brand's monitoring rules: keywords, window, volume, multiplier, reach.",
    "sentiment": "The organisation's own sentiment model, trained from its corrections.",
    "responses": "Responses drafted for an incident: draft → approval → published, and the "
    "incident's public statement page.",
    "templates": "Response templates per brand, channel, language and tone, with versions.",
    "playbooks": "Playbooks per crisis type, and applying one to an incident.",
    "tasks": "An incident's tasks, from the playbooks applied to it.",
    "postmortems": "Post-mortems: draft, review, approval, exports, action items.",
    "analytics": "Response times (TTA, TTFR, TTR) and the analytics overview.",
    "reports": "Monthly brand reports a client can hand on (HTML and PDF), generated on the "
    "worker with progress.",
    "escalation": "Duty rotas, escalation policies and the organisation's notification channels.",
    "telegram": "The organisation's Telegram bot, linked chats and members, and its webhook.",
}

_TAG_PATTERNS = [(re.compile(pattern), tag) for pattern, tag in TAGS_BY_PATH]
_STANDARD_SUMMARIES = {
    "list": "List {plural}",
    "create": "Create {a} {name}",
    "retrieve": "Get {a} {name}",
    "update": "Replace {a} {name}",
    "partial_update": "Change {a} {name}",
    "destroy": "Delete {a} {name}",
}
_WRITE_METHODS = {"POST", "PUT", "PATCH"}
# An invalid cursor is DRF's 404, a page size out of range is clamped: neither is a 400.
_PAGINATION = {"cursor", "page_size"}


def tag_for(path: str) -> str | None:
    """The tag of an API path (`/api/v1/orgs/{org_slug}/incidents/`), or None."""
    relative = path.removeprefix("/api/v1/")
    for pattern, tag in _TAG_PATTERNS:
        match = pattern.match(relative)
        if match:
            return tag or match.group(1)
    return None


def _allows_anyone(permission: "_PermissionClass") -> bool:
    """Whether a view's permission class lets an anonymous request through: AllowAny, also
    composed (`AllowAny | X`, `AllowAny & AllowAny`). A negation (`~X`) counts as not."""
    if isinstance(permission, permissions.OperandHolder):
        first = _allows_anyone(permission.op1_class)
        second = _allows_anyone(permission.op2_class)
        if permission.operator_class is permissions.OR:
            return first or second
        return first and second
    if isinstance(permission, permissions.SingleOperandHolder):
        return False
    return issubclass(permission, permissions.AllowAny)


def _first_line(doc: str | None) -> str:
    line = (doc or "").strip().split("\n\n", 1)[0]
    line = " ".join(line.split())
    sentence = line.split(". ", 1)[0].split(": ", 1)[0]
    return sentence.rstrip(".")


class ApiSchema(AutoSchema):
    """The project's AutoSchema: tags, summaries and error responses (see the module)."""

    def get_tags(self) -> list[str]:
        tag = tag_for(self.path)
        return [tag] if tag else super().get_tags()

    def get_summary(self) -> str | None:
        action = getattr(self.view, "action", None)
        if action in _STANDARD_SUMMARIES and hasattr(self.view, "get_queryset"):
            model = self._model()
            if model is not None:
                name = str(model._meta.verbose_name)
                plural = str(model._meta.verbose_name_plural)
                if re.search(r"[^aeiou]ys$", plural):  # Django's default plural: "policys"
                    plural = plural[:-2] + "ies"
                return _STANDARD_SUMMARIES[action].format(
                    plural=plural,
                    name=name,
                    a="an" if name[:1].lower() in "aeiou" else "a",
                )
        method = getattr(self.view, action or self.method.lower(), None)
        return _first_line(getattr(method, "__doc__", None)) or None

    def _model(self) -> Any:
        model = getattr(self.view, "scoped_model", None)
        if model is None:
            queryset = getattr(self.view, "queryset", None)
            model = getattr(queryset, "model", None)
        return model

    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str,
                      registry: Any) -> Any:  # fmt: skip
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self._error_statuses(operation):
            responses.setdefault(str(status), {"description": self._describe(status)})
        component = self.resolve_serializer(ErrorSerializer(), "response")
        for code, response in responses.items():
            if not code.isdigit() or int(code) < 400 or "content" in response:
                continue
            # Indexed, not unpacked: mypy 1.19 crashes unpacking this tuple here.
            entry = _ERRORS.get(int(code), _ERRORS[400])
            name, body = entry[1], entry[2]
            if int(code) not in _ERRORS:
                body = {**body, "code": "error", "detail": response["description"]}
                body.pop("errors", None)
            response["content"] = {
                "application/json": {
                    "schema": component.ref,
                    "examples": {
                        re.sub(r"\W+", "", name.title()): {"summary": name, "value": body}
                    },
                }
            }
        return operation

    def _error_statuses(self, operation: dict) -> list[int]:
        view = self.view
        statuses = [503]
        query = any(
            p.get("in") == "query" and p.get("name") not in _PAGINATION
            for p in operation.get("parameters", [])
        )
        body = "requestBody" in operation
        if self.method in _WRITE_METHODS or query:
            statuses.append(400)
        if any(not _allows_anyone(p) for p in view.permission_classes):
            statuses.append(401)
        if hasattr(view, "required_role"):
            statuses += [403, 404]
        if "{" in self.path:
            statuses.append(404)
        if body:
            statuses.append(413)
        if view.throttle_classes:
            statuses.append(429)
        return sorted(set(statuses))

    def _describe(self, status: int) -> str:
        description = _ERRORS[status][0]
        view = self.view
        if status == 403 and hasattr(view, "required_role"):
            role = view.required_role(SimpleNamespace(method=self.method))
            action = getattr(view, "action", None) or self.method
            client = action in getattr(view, "client_actions", ())
            parts = [] if role == "viewer" else [f"it needs the {role} role or above"]
            if not client:
                parts.append("client staff are refused")
            parts.append("the action's own rules (who may approve, review, …) may refuse too")
            description = "Refused: " + "; ".join(parts) + "."
        if status == 413:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            description = f"The body is larger than {limit} bytes (MAX_REQUEST_BODY)."
        return description


WEBSOCKET_DOC = Path(settings.BASE_DIR) / "docs" / "websocket.md"


@cache
def websocket_protocol() -> str:
    """The WebSocket protocol (docs/websocket.md): one text for the repository and for the
    schema's description, which /api/docs/ shows above the operations."""
    return WEBSOCKET_DOC.read_text(encoding="utf-8")


def postprocess(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular postprocessing hook: the tags, in TAG_DESCRIPTIONS' order, with their
    descriptions (the order Swagger UI shows the groups in), and the WebSocket protocol
    appended to the description."""
    used = {tag for item in result.get("paths", {}).values() for op in item.values()
            for tag in op.get("tags", [])}  # fmt: skip
    result["tags"] = [
        {"name": name, "description": description}
        for name, description in TAG_DESCRIPTIONS.items()
        if name in used
    ]
    info = result.setdefault("info", {})
    info["description"] = info.get("description", "") + "\n\n" + websocket_protocol()
    return result
