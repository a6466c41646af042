"""The client portal, /c/<org_slug>/: what a client's own staff read of the agency's work for
their brands — the incidents with status, severity and SLA state, the statements published and
the responses waiting for their approval, the approved post-mortems (their client version, as
a page and a PDF) and the monthly brand reports (asked for here, generated on the worker, read
as HTML or PDF). Everything comes from the scoped selectors that apply the one visibility rule
(brand limits, client-visible responses, approved post-mortems only); agency staff are sent
to their own pages.
"""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.core.exceptions import DomainError
from incidents.analytics.reports import (
    brand_report_request,
    report_filename,
)
from incidents.policies import may_read_reports
from incidents.postmortems import exports
from incidents.postmortems.models import BrandReport, ReportState
from incidents.postmortems.selectors import postmortem_list
from incidents.presentation import clock_views
from incidents.selectors import incident_list
from templates import selectors
from templates.models import ResponseStatus
from tenants.branding import organisation_logo
from tenants.models import Role
from tenants.selectors import brand_list
from tenants.tenancy import OrgRequest, org_page, scoped_get

REPORTS_SHOWN = 24
POSTMORTEMS_SHOWN = 30

PORTAL_LIMIT = 50


@org_page(client=("GET", "HEAD"))
@require_GET
def portal_home(request: OrgRequest) -> HttpResponse:
    membership = request.membership
    if not membership.is_client:
        return redirect("web:dashboard", request.organisation.slug)
    now = timezone.now()
    report_brands = [
        b
        for b in brand_list(membership=membership).order_by("name")
        if may_read_reports(membership, b)
    ]
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
        {
            "agency": request.organisation.name,
            "has_logo": organisation_logo(organisation_id=request.organisation.id) is not None,
            "rows": rows,
            "postmortems": list(
                postmortem_list(membership=membership).order_by("-approved_at", "-id")[
                    :POSTMORTEMS_SHOWN
                ]
            ),
            "report_brands": report_brands,
            "reports": list(
                BrandReport.objects.visible_to(membership)
                .filter(brand__in=report_brands)
                .select_related("brand")
                .defer("html", "pdf")
                .order_by("-month", "-id")[:REPORTS_SHOWN]
            ),
            "last_month": f"{(now.date().replace(day=1) - timedelta(days=1)):%Y-%m}",
        },
    )


def _ready_report(request: OrgRequest, report_pk: int) -> BrandReport:
    report = scoped_get(
        BrandReport.objects.visible_to(request.membership).select_related("brand"), report_pk
    )
    if report.state != ReportState.READY or not may_read_reports(request.membership, report.brand):
        raise Http404
    return report


@org_page(client=("GET", "HEAD"))
@require_GET
def portal_report_pdf(request: OrgRequest, report_pk: int) -> HttpResponse:
    """A ready monthly report as PDF (the brand's client staff; the agency's managers too)."""
    report = _ready_report(request, report_pk)
    response = HttpResponse(bytes(report.pdf or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(report)}.pdf"'
    return response


@org_page(client=("GET", "HEAD"))
@require_GET
def portal_report_html(request: OrgRequest, report_pk: int) -> HttpResponse:
    """A ready monthly report as a page: the stored document, under the site's CSP."""
    report = _ready_report(request, report_pk)
    return HttpResponse(report.html, content_type="text/html; charset=utf-8")


@org_page(read_role=Role.VIEWER, write_role=Role.VIEWER, client=("POST",))
@require_POST
def portal_report_request(request: OrgRequest, brand_pk: int) -> HttpResponse:
    """Ask for a brand's monthly report; back to the portal, where it shows with its state."""
    brand = scoped_get(brand_list(membership=request.membership), brand_pk)
    if not may_read_reports(request.membership, brand):
        raise Http404
    try:
        brand_report_request(
            brand=brand, by=request.membership, month=request.POST.get("month", "")
        )
    except DomainError as exc:
        messages.error(request, exc.translated)
    else:
        messages.success(request, _("The report is being prepared."))
    return redirect("web:portal", request.organisation.slug)


@org_page(client=("GET", "HEAD"))
@require_GET
def portal_postmortem_pdf(request: OrgRequest, postmortem_pk: int) -> HttpResponse:
    """An approved post-mortem's client version as PDF (audited like every export)."""
    postmortem = scoped_get(postmortem_list(membership=request.membership), postmortem_pk)
    body = exports.postmortem_client_pdf_export(
        postmortem=postmortem, fmt="pdf", by=request.membership
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="postmortem-{postmortem.incident_id}.pdf"'
    )
    return response
