"""Who may do what in an organisation, by role and member kind: the rules every app's
policies build on (tests/tenants/test_policies.py: role x kind)."""

from tenants.models import Membership, Role


def may_work(membership: Membership) -> bool:
    """Work incidents (open, acknowledge, write): agency staff from responder up; a client's
    own staff read and approve, they do not work the agency's incidents."""
    return membership.has_role(Role.RESPONDER) and not membership.is_client


def may_manage(membership: Membership) -> bool:
    """Manage the organisation's shared material (playbooks, templates) and speak for the
    agency (approve as the agency, publish a statement): the agency's managers and owners.
    Client staff, whatever their role, never do."""
    return membership.has_role(Role.MANAGER) and not membership.is_client


def may_set_up(membership: Membership) -> bool:
    """Change the organisation's brands and teams: the agency's managers and owners. Client staff
    read those pages (whatever their role), never change them."""
    return may_manage(membership)


def may_own(membership: Membership) -> bool:
    """Own the agency: its members and invitations, its logo. Owners only, never client staff
    (a client member cannot be an owner: services._check_kind)."""
    return membership.has_role(Role.OWNER) and not membership.is_client


def sees_ingest_id(membership: Membership) -> bool:
    """A brand's ingest id in the API's brand answers: those who set the brand up, as on the
    brand page (the agency's managers and owners)."""
    return may_set_up(membership)
