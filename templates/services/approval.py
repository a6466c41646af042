"""Approval of responses (by the agency, then the client where the brand requires it),
rejection, and the escalation of approvals that wait too long."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import DomainError
from crisisdesk.core.time import iso_z
from incidents.notifications.models import Channel
from incidents.notifications.services import claim_once, notify
from incidents.services import event_record
from templates import events, policies, selectors
from templates.models import Response, ResponseStatus
from templates.policies import is_agency_approver, reject_refusal, rejects_as_client
from templates.services.responses import (
    refuse_if_closed,
    response_locked,
    response_payload,
    seconds_between,
)
from tenants.mail import language_of
from tenants.models import Membership
from tenants.services import audit_record


# Alike response_reject and responses.response_submit on purpose: each transition locks,
# checks its own rule and records its own event kind with the timestamps that kind reports.
def response_approve(*, response: Response, by: Membership) -> Response:
    """Approve a pending response: first the agency (a manager or owner), then, when the brand
    requires it, the client's own approver. It is `approved` once every required approval is in.

    Refuses (403): the author approving their own response, a member who is neither a manager
    nor (after the agency's approval) the brand's client approver, and one person giving both
    approvals; (409): any status but pending_approval, a client approval before the agency's.
    """
    with transaction.atomic():
        locked = response_locked(response)
        refuse_if_closed(locked.incident)
        brand = locked.incident.brand
        refusal = policies.approve_refusal(by, locked, brand)
        if refusal is not None:
            raise refusal
        now = timezone.now()
        if locked.approved_by_id is None:
            locked.approved_by, locked.approved_at = by, now
            client_pending = brand.require_client_approval and locked.client_approved_by_id is None
            if not client_pending:
                locked.status = ResponseStatus.APPROVED
            locked.save()
            event_record(
                incident=locked.incident,
                kind=events.RESPONSE_APPROVED,
                actor=by.user,
                payload={
                    **response_payload(locked),
                    "approved_by": by.id,
                    "submitted_at": iso_z(locked.submitted_at),
                    "approved_at": iso_z(now),
                    "waited_seconds": seconds_between(locked.submitted_at, now),
                    "client_approval_pending": client_pending,
                },
            )
            audit_record(
                organisation=brand.organisation,
                actor=by.user,
                action="response.approved",
                target=f"incident {locked.incident_id} response {locked.id}",
                payload={"channel": locked.channel, "client_approval_pending": client_pending},
            )
            return locked
        # The agency has approved; only the client's approval was missing.
        locked.client_approved_by, locked.client_approved_at = by, now
        locked.status = ResponseStatus.APPROVED
        locked.save()
        event_record(
            incident=locked.incident,
            kind=events.RESPONSE_CLIENT_APPROVED,
            actor=by.user,
            payload={
                **response_payload(locked),
                "client_approved_by": by.id,
                "submitted_at": iso_z(locked.submitted_at),
                "approved_at": iso_z(locked.approved_at),
                "client_approved_at": iso_z(now),
                # From the agency's approval, when the client could act; and from submission.
                "waited_seconds": seconds_between(locked.approved_at, now),
                "total_waited_seconds": seconds_between(locked.submitted_at, now),
            },
        )
        audit_record(
            organisation=brand.organisation,
            actor=by.user,
            action="response.client_approved",
            target=f"incident {locked.incident_id} response {locked.id}",
            payload={"channel": locked.channel},
        )
    return locked


# Alike response_approve and responses.response_publish on purpose: a rejection needs a reason
# and its own refusal (policies.reject_refusal), and its event reports who sent it back and why.
def response_reject(*, response: Response, by: Membership, reason: str) -> Response:
    """Send a pending response back with a reason; editing it makes it a draft again.

    Refuses (400) an empty reason, (403) a member who is neither a manager nor the brand's
    client approver (when the brand requires one), (409) any status but pending_approval.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError(gettext_lazy("Give a reason for the rejection."), field="reason")
    with transaction.atomic():
        locked = response_locked(response)
        refuse_if_closed(locked.incident)
        brand = locked.incident.brand
        refusal = reject_refusal(by, locked, brand)
        if refusal is not None:
            raise refusal
        client = rejects_as_client(by, brand)
        now = timezone.now()
        locked.status = ResponseStatus.REJECTED
        locked.rejected_by, locked.rejected_at, locked.rejected_reason = by, now, reason
        locked.save()
        event_record(
            incident=locked.incident,
            kind=events.RESPONSE_REJECTED,
            actor=by.user,
            payload={
                **response_payload(locked),
                "rejected_by": by.id,
                "by_client": client and not is_agency_approver(by),
                "reason": reason,
                "submitted_at": iso_z(locked.submitted_at),
                "rejected_at": iso_z(now),
                "waited_seconds": seconds_between(locked.submitted_at, now),
            },
        )
    return locked


def _escalation_emails(response: Response) -> None:
    """Tell the managers and owners who may see the brand, each in their language, through the
    delivery path (sent once per submission, retried, receipted). Inside the claiming
    transaction."""
    incident = response.incident
    for user in selectors.escalation_recipients(response=response):
        with translation.override(language_of(user, incident.brand.language)):
            subject = _("[CrisisDesk] A response waits for approval: %(title)s") % {
                "title": incident.title
            }
            message = _(
                "A %(channel)s response on incident #%(id)s «%(title)s» has waited for approval "
                "since %(since)s.\nReview it in CrisisDesk: %(url)s"
            ) % {
                "channel": response.channel,
                "id": incident.id,
                "title": incident.title,
                "since": iso_z(response.submitted_at),
                "url": f"/o/{response.organisation.slug}/incidents/{incident.id}/",
            }
        notify(
            organisation=response.organisation,
            channel=Channel.EMAIL,
            kind="response.escalated",
            key=f"response-escalated:{response.pk}:{iso_z(response.submitted_at)}:{user.pk}",
            to=[user.email],
            subject=subject[:200],
            message=message,
        )


def approval_escalation_run(
    *, now: datetime | None = None, organisation_id: int | None = None
) -> list[int]:
    """Escalate each response pending approval longer than its organisation's
    approval_escalation_minutes: one `response_escalated` event and one email to the managers
    per submission. Returns the escalated response ids.

    Idempotent: each submission is claimed with `claim_once`, so two overlapping runs
    escalate it once; a resubmission is a new submission (and clears escalated_at).
    """
    now = now or timezone.now()
    escalated = []
    for response in selectors.responses_due_for_escalation(organisation_id=organisation_id):
        minutes = response.organisation.approval_escalation_minutes
        assert response.submitted_at is not None  # the selector reads submitted ones only
        if response.submitted_at > now - timedelta(minutes=minutes):
            continue
        with transaction.atomic():
            # Once per submission: a resubmission is a new key (and clears escalated_at).
            if not claim_once(f"response-escalated:{response.pk}:{iso_z(response.submitted_at)}"):
                continue
            updated = Response.objects.filter(
                organisation_id=response.organisation_id,
                pk=response.pk,
                status=ResponseStatus.PENDING_APPROVAL,
                submitted_at=response.submitted_at,
            ).update(escalated_at=now)
            if updated != 1:  # approved, rejected or resubmitted meanwhile
                transaction.set_rollback(True)
                continue
            event_record(
                incident=response.incident,
                kind=events.RESPONSE_ESCALATED,
                actor=None,
                payload={
                    "response": response.id,
                    "channel": response.channel,
                    "submitted_at": iso_z(response.submitted_at),
                    "waited_seconds": seconds_between(response.submitted_at, now),
                    "escalation_minutes": minutes,
                    "client_approval_pending": response.client_approval_pending,
                },
            )
            _escalation_emails(response)
        escalated.append(response.id)
    return escalated
