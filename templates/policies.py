"""Who may do what with responses: the rules the response and approval services apply and
the incident room's buttons show (tests/templates/test_policies.py: role x kind x state)."""

from templates.models import Response, ResponseStatus
from tenants.models import Membership, Role


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
