"""The timeline event kinds of responses, registered into the incident's kind registry from
ResponseTemplatesConfig.ready (incidents never imports this app)."""

from collections.abc import Mapping
from typing import Any, TypedDict

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.events import EventKind, Sentence
from incidents.models import Visibility


class ResponsePayload(TypedDict, total=False):
    # every response kind (templates.services.responses.response_payload)
    response: int
    channel: str
    author: int | None
    author_name: str | None
    # per kind
    template: int | None
    template_version: int | None
    length: int
    redraft: bool
    submitted_at: str
    requires_client_approval: bool
    approved_by: int
    approved_at: str
    client_approved_by: int
    client_approved_at: str
    client_approval_pending: bool
    rejected_by: int
    rejected_at: str
    by_client: bool
    reason: str
    waited_seconds: int
    total_waited_seconds: int
    escalation_minutes: int
    url: str
    published_at: str
    first_response: bool
    published_by: int


def _response(message: Promise) -> Sentence:
    def sentence(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
        response = _("response #%(id)s (%(channel)s)") % {
            "id": p.get("response", "?"),
            "channel": p.get("channel", ""),
        }
        return str(message) % {"response": response}

    return sentence


def _reason(p: Mapping[str, Any]) -> str:
    return str(p.get("reason", "") or "")


def _url(p: Mapping[str, Any]) -> str:
    return str(p["url"]) if p.get("url") else ""


_CLIENT, _INTERNAL = Visibility.CLIENT, Visibility.INTERNAL

# Drafts and the agency's approval are internal; what the client approves and what is
# published is theirs too.
# Alike each other on purpose: one EventKind per response transition, each with its own
# name, visibility and sentence (the registry's table, not copied logic).
RESPONSE_DRAFTED = EventKind(
    "response_drafted",
    ResponsePayload,
    _INTERNAL,
    _response(gettext_lazy("drafted %(response)s")),
)
RESPONSE_SUBMITTED = EventKind(
    "response_submitted",
    ResponsePayload,
    _INTERNAL,
    _response(gettext_lazy("submitted %(response)s for approval")),
)
# Alike RESPONSE_CLIENT_APPROVED and RESPONSE_DELETED on purpose: its own name and sentence.
RESPONSE_APPROVED = EventKind(
    "response_approved",
    ResponsePayload,
    _INTERNAL,
    _response(gettext_lazy("approved %(response)s")),
)
RESPONSE_CLIENT_APPROVED = EventKind(
    "response_client_approved",
    ResponsePayload,
    _CLIENT,
    _response(gettext_lazy("approved %(response)s for the client")),
)
# Alike RESPONSE_PUBLISHED on purpose: each adds its own detail line (the reason, the URL).
RESPONSE_REJECTED = EventKind(
    "response_rejected",
    ResponsePayload,
    _INTERNAL,
    _response(gettext_lazy("sent %(response)s back for changes")),
    _reason,
)
RESPONSE_PUBLISHED = EventKind(
    "response_published",
    ResponsePayload,
    _CLIENT,
    _response(gettext_lazy("published %(response)s")),
    _url,
    key_label=gettext_lazy("Response published"),
)
RESPONSE_DELETED = EventKind(
    "response_deleted",
    ResponsePayload,
    _INTERNAL,
    _response(gettext_lazy("deleted %(response)s")),
)
RESPONSE_ESCALATED = EventKind(
    "response_escalated",
    ResponsePayload,
    _INTERNAL,
    _response(gettext_lazy("escalated %(response)s: approval is overdue")),
)

RESPONSE_KINDS = (
    RESPONSE_DRAFTED,
    RESPONSE_SUBMITTED,
    RESPONSE_APPROVED,
    RESPONSE_CLIENT_APPROVED,
    RESPONSE_REJECTED,
    RESPONSE_PUBLISHED,
    RESPONSE_DELETED,
    RESPONSE_ESCALATED,
)
