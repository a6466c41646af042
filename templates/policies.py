"""Who may do what with responses: the rules the response and approval services apply and
the incident room's buttons show (tests/templates/test_policies.py: role x kind x state)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict, DomainError, Forbidden, choice
from incidents.models import Incident, Status
from templates.models import Response, ResponseStatus
from tenants.models import Brand, Membership, Role
from tenants.policies import may_manage, may_work


def may_manage_templates(membership: Membership) -> bool:
    """Write the template library: managers and owners (the pages' write role)."""
    return may_manage(membership)


def is_agency_approver(membership: Membership) -> bool:
    """The agency's approval of a response (approve first, reject at any time): the agency's
    managers and owners; a client manager approves, if at all, as the client's approver."""
    return may_manage(membership)


def may_publish_statement(membership: Membership) -> bool:
    """Publish and withdraw an incident's public statement page: the agency's managers and
    owners (the service refuses client staff too, behind the page's and the API's doors)."""
    return may_manage(membership)


def may_work_responses(membership: Membership, incident: Incident) -> bool:
    """Write a response in the incident room: the agency's responders and up, until the
    incident closes."""
    return may_work(membership) and incident.status != Status.CLOSED


def may_publish_response(membership: Membership, response: Response) -> bool:
    """Record that an approved response went out: the agency's responders and up (the page's
    and the API's door; client staff are refused)."""
    return may_work(membership) and response.status == ResponseStatus.APPROVED


def is_client_approver(membership: Membership, brand_id: int) -> bool:
    """A client's own approver: flagged, and limited to brands that include this one."""
    return (
        membership.is_client_approver
        and membership.is_brand_limited
        and membership.sees_brand(brand_id)
    )


def may_edit_response(membership: Membership, response: Response) -> bool:
    """Its author or a manager edits, submits or discards a response (the services add the
    state each action needs)."""
    return response.author_id == membership.id or membership.has_role(Role.MANAGER)


def may_change_draft(membership: Membership, response: Response) -> bool:
    """Edit or discard: a draft, or one sent back."""
    return may_edit_response(membership, response) and response.status in (
        ResponseStatus.DRAFT,
        ResponseStatus.REJECTED,
    )


def may_submit_response(membership: Membership, response: Response) -> bool:
    return may_edit_response(membership, response) and response.status == ResponseStatus.DRAFT


def _not_pending(message: Promise, response: Response) -> Conflict:
    """An approval or a rejection of a response no longer (or not yet) pending: its status in
    the API's body, its label on a page."""
    return Conflict(
        message, params={"status": choice(ResponseStatus, response.status)}, status=response.status
    )


# Alike reject_refusal on purpose: both first refuse a response that is not pending, each in
# its own sentence (_not_pending); who may act then differs.
def approve_refusal(membership: Membership, response: Response, brand: Brand) -> DomainError | None:
    """Approve a pending response (not one's own): first the agency (a manager or owner),
    then, when the brand requires it, the client's own approver, another person than the
    agency's approver. `brand` is the response's incident's (the caller has it loaded)."""
    if response.status != ResponseStatus.PENDING_APPROVAL:
        return _not_pending(
            gettext_lazy(
                "Only a response pending approval can be approved; this one is %(status)s."
            ),
            response,
        )
    if response.author_id == membership.id:
        return Forbidden(gettext_lazy("You cannot approve a response you wrote."))
    if response.approved_by_id is None:
        if is_agency_approver(membership):
            return None
        if brand.require_client_approval and is_client_approver(membership, brand.id):
            return Conflict(gettext_lazy("The agency approves first; the client approves after."))
        return Forbidden(gettext_lazy("Only managers and owners approve responses."))
    # The agency has approved; only the client's approval is missing.
    if not is_client_approver(membership, brand.id):
        return Forbidden(gettext_lazy("This response now waits for the client's own approver."))
    if membership.id == response.approved_by_id:
        return Forbidden(gettext_lazy("The client's approval must come from another person."))
    return None


def may_approve(membership: Membership, response: Response, brand: Brand) -> bool:
    return approve_refusal(membership, response, brand) is None


def reject_refusal(membership: Membership, response: Response, brand: Brand) -> DomainError | None:
    """Send a pending response back (one's own too): a manager or owner at any time, or, when
    the brand requires the client's approval, the client's own approver (before the agency's
    approval as after it). `brand` is the response's incident's."""
    if response.status != ResponseStatus.PENDING_APPROVAL:
        return _not_pending(
            gettext_lazy(
                "Only a response pending approval can be rejected; this one is %(status)s."
            ),
            response,
        )
    if not (is_agency_approver(membership) or rejects_as_client(membership, brand)):
        return Forbidden(
            gettext_lazy("Only managers, owners and the client's approver reject responses.")
        )
    return None


def rejects_as_client(membership: Membership, brand: Brand) -> bool:
    """The client's own approver of a brand that requires the client's approval."""
    return brand.require_client_approval and is_client_approver(membership, brand.id)


def may_reject(membership: Membership, response: Response, brand: Brand) -> bool:
    return reject_refusal(membership, response, brand) is None
