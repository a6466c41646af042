"""Who may do what in the incidents app's parts (monitoring, notifications, analytics): the
rules their services, pages and templates ask alike, on top of tenants/policies.py
(tests/incidents/test_policies.py: role x member kind). Post-mortems have their own
(incidents/postmortems/policies.py). Below the parts in the layers (pyproject.toml): it
imports nothing of incidents."""

from tenants.models import Brand, Membership, Role
from tenants.policies import may_set_up, may_work


# Alike templates/policies.py's role rules on purpose: each part names its own rules over
# tenants/policies.py's base ones, so that one part's rule can change without the others'.
def may_manage_monitoring(membership: Membership) -> bool:
    """Add, pause and delete a brand's monitoring rules and sources: the agency's managers and
    owners (the pages' and the API's write role; client staff never reach them)."""
    return may_set_up(membership)


def may_label(membership: Membership) -> bool:
    """Correct a mention's sentiment: the agency's staff who work mentions, responders and up
    (the doors' LABEL_ROLE; client staff are refused)."""
    return may_work(membership)


def may_import(membership: Membership) -> bool:
    """Import mentions from a file: the same members who label them (the doors' IMPORT_ROLE;
    client staff are refused)."""
    return may_work(membership)


def may_manage_escalation(membership: Membership) -> bool:
    """Change duty rotas and escalation policies: the agency's managers and owners."""
    return may_set_up(membership)


def may_act_from_chat(membership: Membership) -> bool:
    """Acknowledge, take command or write a note from Telegram: whoever may work the incident
    on the web and the API, the agency's responders and up. Client staff, whatever their role,
    read the incident messages of their brand's chat and act on none of them."""
    return may_work(membership)


def may_read_reports(membership: Membership, brand: Brand) -> bool:
    """Who reads (and asks for) a brand's reports: the agency's managers and owners, and the
    brand's own client staff. Everyone else is answered 404 by the views."""
    if brand.organisation_id != membership.organisation_id:
        return False
    if membership.is_client:
        limits = membership.brand_limits()
        return limits is not None and brand.pk in limits
    return membership.has_role(Role.MANAGER) and membership.sees_brand(brand.pk)
