"""The dashboard's work queue of the responses app: responses waiting for my approval
(registered in crisisdesk.web_urls as a dashboard section)."""

from typing import Any

from templates.policies import is_agency_approver
from templates.selectors import responses_awaiting_approval
from tenants.tenancy import OrgRequest

APPROVALS_SHOWN = 10


def approvals_section(request: OrgRequest) -> dict[str, Any] | None:
    membership = request.membership
    qs = responses_awaiting_approval(membership=membership)
    responses = list(qs[:APPROVALS_SHOWN])
    if not responses and not is_agency_approver(membership) and not membership.is_client_approver:
        return None
    return {"template": "response_templates/approvals_card.html", "responses": responses}
