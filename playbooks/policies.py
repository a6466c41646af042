"""Who may do what with playbooks and an incident's tasks (tests/playbooks/test_policies.py)."""

from incidents.models import Incident, Status
from tenants.models import Membership
from tenants.policies import may_manage, may_work


def may_manage_playbooks(membership: Membership) -> bool:
    """Write the library: managers and owners."""
    return may_manage(membership)


def may_work_tasks(membership: Membership, incident: Incident) -> bool:
    """Apply a playbook, tick and assign tasks: the agency's responders and up (client staff
    work no incident), until the incident closes."""
    return may_work(membership) and incident.status != Status.CLOSED
