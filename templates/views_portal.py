"""The client portal, /c/<org_slug>/: what a client's own staff read of the agency's work for
their brands — the incidents with status, severity and SLA state, the statements published and
the responses waiting for their approval. Everything comes from the scoped selectors that
apply the one visibility rule (brand limits, client-visible responses); agency staff are sent
to their own pages.
"""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from incidents.presentation import clock_views
from incidents.selectors import incident_list
from templates import selectors
from templates.models import ResponseStatus
from tenants.tenancy import OrgRequest, org_page

PORTAL_LIMIT = 50


@org_page(client=("GET", "HEAD"))
@require_GET
def portal_home(request: OrgRequest) -> HttpResponse:
    membership = request.membership
    if not membership.is_client:
        return redirect("web:dashboard", request.organisation.slug)
    now = timezone.now()
    incidents = list(
        incident_list(membership=membership).select_related("brand").order_by("-id")[:PORTAL_LIMIT]
    )
    rows = []
    for incident in incidents:
        responses = list(selectors.response_list(incident=incident, membership=membership))
        rows.append(
            {
                "incident": incident,
                "clocks": clock_views(incident, request.organisation, now),
                "published": [r for r in responses if r.status == ResponseStatus.PUBLISHED],
                "waiting": [r for r in responses if r.client_approval_pending],
            }
        )
    return render(
        request,
        "response_templates/portal/home.html",
        {"agency": request.organisation.name, "rows": rows},
    )
