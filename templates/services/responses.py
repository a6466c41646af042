"""Responses on an incident: draft → pending_approval → approved → published, or rejected.

Every status change locks the response row (select_for_update), checks the current status
under the lock, and writes its timeline event in the same transaction. Payloads carry the
timestamps and waiting times that post-mortems and analytics later read from the timeline.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict, DomainError, Forbidden, choice
from crisisdesk.core.time import iso_z
from incidents.models import Incident, Status
from incidents.services import event_record, incident_record_first_response
from templates import events
from templates.models import CHANNEL_LIMITS, Channel, Response, ResponseStatus, ResponseTemplate
from templates.policies import may_edit_response
from templates.rendering import template_render
from templates.services.statements import statement_published_notify
from tenants.models import Membership

# Publication may be recorded a little after the fact, never in the future beyond clock skew.
PUBLISH_CLOCK_SKEW = timedelta(minutes=1)


def seconds_between(start: datetime | None, end: datetime) -> int | None:
    return int((end - start).total_seconds()) if start is not None else None


def _check_limit(body: str, channel: str) -> None:
    limit = CHANNEL_LIMITS[channel]
    if limit is not None and len(body) > limit:
        raise DomainError(
            gettext_lazy("The text is %(length)s characters; %(channel)s allows %(limit)s."),
            params={"length": len(body), "channel": choice(Channel, channel), "limit": limit},
            field="body",
            length=len(body),
            limit=limit,
        )


def refuse_if_closed(incident: Incident) -> None:
    if incident.status == Status.CLOSED:
        raise Conflict(gettext_lazy("The incident is closed; its responses can no longer change."))


def response_payload(response: Response) -> dict[str, Any]:
    author = response.author
    return {
        "response": response.id,
        "channel": response.channel,
        "author": author.id if author is not None else None,
        "author_name": author.user.get_username() if author is not None else None,
    }


def _compose(
    *,
    incident: Incident,
    channel: str | None,
    body: str | None,
    template: ResponseTemplate | None,
    variables: dict[str, str] | None,
) -> tuple[str, str, Any, dict[str, str]]:
    """(channel, body, template version, variables) from free text or a template."""
    if (body is None) == (template is None):
        raise DomainError(
            gettext_lazy("Give either a body or a template with its variables."), field="body"
        )
    if template is not None:
        if template.organisation_id != incident.organisation_id:
            raise DomainError(gettext_lazy("Template not found."), field="template")
        if not template.active:
            raise DomainError(gettext_lazy("This template is inactive."), field="template")
        values = dict(variables or {})
        rendered = template_render(template=template, values=values, incident=incident)
        return template.channel, rendered.text, template.current_version, values
    if not channel:
        raise DomainError(
            gettext_lazy("A channel is needed for a free-text response."), field="channel"
        )
    assert body is not None  # no template, so a body (refused above otherwise)
    if not body.strip():
        raise DomainError(gettext_lazy("The body cannot be empty."), field="body")
    return channel, body, None, {}


# Alike response_update on purpose: a draft and its edit take the same composed inputs.
def response_create(
    *,
    incident: Incident,
    by: Membership,
    channel: str | None = None,
    body: str | None = None,
    template: ResponseTemplate | None = None,
    variables: dict[str, str] | None = None,
) -> Response:
    """Draft a response from free text ({channel, body}) or a template ({template, variables}).

    Refuses (400): both or neither of body and template, an inactive template or one of
    another brand, missing or unknown variables, a text over the channel's limit (with length
    and limit); (409) a closed incident.
    """
    refuse_if_closed(incident)
    channel, body, version, values = _compose(
        incident=incident, channel=channel, body=body, template=template, variables=variables
    )
    _check_limit(body, channel)
    with transaction.atomic():
        response = Response.objects.create(
            organisation_id=incident.organisation_id,
            incident=incident,
            channel=channel,
            template_version=version,
            variables=values,
            body=body,
            author=by,
        )
        event_record(
            incident=incident,
            kind=events.RESPONSE_DRAFTED,
            actor=by.user,
            payload={
                **response_payload(response),
                "template": version.template_id if version is not None else None,
                "template_version": version.number if version is not None else None,
                "length": len(body),
            },
        )
    return response


def response_locked(response: Response) -> Response:
    return (
        Response.objects.select_for_update(of=("self",))
        .select_related("incident__brand", "author__user", "template_version")
        .get(organisation_id=response.organisation_id, pk=response.pk)
    )


# Alike response_create on purpose: a draft and its edit take the same composed inputs.
def response_update(
    *,
    response: Response,
    by: Membership,
    channel: str | None = None,
    body: str | None = None,
    template: ResponseTemplate | None = None,
    variables: dict[str, str] | None = None,
) -> Response:
    """Edit a draft or a rejected response (a rejected one goes back to draft).

    Refuses (403) anyone but the author or a manager, (409) any other status or a closed
    incident, and (400) what response_create refuses.
    """
    with transaction.atomic():
        locked = response_locked(response)
        if not may_edit_response(by, locked):
            raise Forbidden(gettext_lazy("Only the author or a manager edits this response."))
        refuse_if_closed(locked.incident)
        if locked.status not in (ResponseStatus.DRAFT, ResponseStatus.REJECTED):
            raise Conflict(
                gettext_lazy("A response that is %(status)s cannot be edited."),
                params={"status": choice(ResponseStatus, locked.status)},
                status=locked.status,
            )
        if template is not None or body is not None:
            new_channel, new_body, version, values = _compose(
                incident=locked.incident,
                channel=channel or locked.channel,
                body=body,
                template=template,
                variables=variables,
            )
            locked.channel, locked.body = new_channel, new_body
            if version is not None:
                locked.template_version, locked.variables = version, values
        elif channel is not None:
            locked.channel = channel
        _check_limit(locked.body, locked.channel)
        was_rejected = locked.status == ResponseStatus.REJECTED
        locked.status = ResponseStatus.DRAFT
        locked.save()
        if was_rejected:
            event_record(
                incident=locked.incident,
                kind=events.RESPONSE_DRAFTED,
                actor=by.user,
                payload={**response_payload(locked), "redraft": True, "length": len(locked.body)},
            )
    return locked


# Alike response_update and response_submit on purpose: the same author-or-manager gate, but
# a deletion records its event before the row goes and changes no status.
def response_delete(*, response: Response, by: Membership) -> None:
    """Discard a draft or rejected response. Refuses (403) anyone but the author or a manager,
    (409) a response that was submitted and not rejected, or a closed incident."""
    with transaction.atomic():
        locked = response_locked(response)
        if not may_edit_response(by, locked):
            raise Forbidden(gettext_lazy("Only the author or a manager discards this response."))
        refuse_if_closed(locked.incident)
        if locked.status not in (ResponseStatus.DRAFT, ResponseStatus.REJECTED):
            raise Conflict(
                gettext_lazy("A response that is %(status)s cannot be deleted."),
                params={"status": choice(ResponseStatus, locked.status)},
                status=locked.status,
            )
        event_record(
            incident=locked.incident,
            kind=events.RESPONSE_DELETED,
            actor=by.user,
            payload=response_payload(locked),
        )
        locked.delete()


# Alike response_publish and approval.response_approve on purpose: each status change checks
# its own starting status and records the timestamps its own event kind reports.
def response_submit(*, response: Response, by: Membership) -> Response:
    """Send a draft for approval; its approval timer starts now.

    Refuses (403) anyone but the author or a manager, (409) any status but draft (a rejected
    response is edited first) or a closed incident, (400) a text over the channel's limit.
    """
    with transaction.atomic():
        locked = response_locked(response)
        if not may_edit_response(by, locked):
            raise Forbidden(gettext_lazy("Only the author or a manager submits this response."))
        refuse_if_closed(locked.incident)
        if locked.status != ResponseStatus.DRAFT:
            raise Conflict(
                gettext_lazy("Only a draft can be submitted; this response is %(status)s."),
                params={"status": choice(ResponseStatus, locked.status)},
                status=locked.status,
            )
        _check_limit(locked.body, locked.channel)
        now = timezone.now()
        locked.status = ResponseStatus.PENDING_APPROVAL
        locked.submitted_at = now
        # A new round of approval: earlier approvals, rejections and escalations do not count.
        locked.approved_by = locked.client_approved_by = locked.rejected_by = None
        locked.approved_at = locked.client_approved_at = locked.rejected_at = None
        locked.escalated_at = None
        locked.rejected_reason = ""
        locked.save()
        event_record(
            incident=locked.incident,
            kind=events.RESPONSE_SUBMITTED,
            actor=by.user,
            payload={
                **response_payload(locked),
                "submitted_at": iso_z(now),
                "requires_client_approval": locked.incident.brand.require_client_approval,
            },
        )
    return locked


def response_publish(
    *,
    response: Response,
    by: Membership,
    url: str,
    published_at: datetime | None = None,
) -> Response:
    """Record that an approved response went out, and where. The first published response of
    the incident sets its first_response_at (exactly once, however many publish at once).

    Nothing is posted anywhere from here: a connector can call this once it has posted.
    Refuses (409) any status but approved, (400) a time in the future or before the approval.
    """
    now = timezone.now()
    published_at = published_at or now
    with transaction.atomic():
        locked = response_locked(response)
        refuse_if_closed(locked.incident)
        if locked.status != ResponseStatus.APPROVED:
            raise Conflict(
                gettext_lazy("Only an approved response can be published; this one is %(status)s."),
                params={"status": choice(ResponseStatus, locked.status)},
                status=locked.status,
            )
        if published_at > now + PUBLISH_CLOCK_SKEW:
            raise DomainError(
                gettext_lazy("The publication time is in the future."), field="published_at"
            )
        approved_at = max(t for t in (locked.approved_at, locked.client_approved_at) if t)
        if published_at < approved_at:
            raise DomainError(
                gettext_lazy("The publication time is before the approval."), field="published_at"
            )
        locked.status = ResponseStatus.PUBLISHED
        locked.published_url, locked.published_at = url, published_at
        locked.save()
        first = incident_record_first_response(incident=locked.incident, at=published_at)
        event_record(
            incident=locked.incident,
            kind=events.RESPONSE_PUBLISHED,
            actor=by.user,
            payload={
                **response_payload(locked),
                "url": url,
                "published_at": iso_z(published_at),
                "submitted_at": iso_z(locked.submitted_at),
                "approved_at": iso_z(approved_at),
                "first_response": first,
                "published_by": by.id,
            },
        )
        # Subscribers of the public statement page hear of it after commit.
        statement_published_notify(response=locked)
    return locked
