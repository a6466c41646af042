"""Who may do what with playbooks and an incident's tasks (tests/playbooks/test_policies.py)."""

from incidents.models import Incident, Status
from tenants.models import Membership, Role
from tenants.policies import may_manage


def may_manage_playbooks(membership: Membership) -> bool:
    """Write the library: managers and owners."""
    return may_manage(membership)


def may_work_tasks(membership: Membership, incident: Incident) -> bool:
    """Apply a playbook, tick and assign tasks: responders and up, until the incident closes."""
    return membership.has_role(Role.RESPONDER) and incident.status != Status.CLOSED
