"""The client portal /c/<org>/: client staff see their brands' incidents and what waits for
their approval; another brand's and another agency's stay out; agency staff go to their pages."""

import pytest
from django.test import Client

from incidents.models import Status
from tenants.models import MemberKind, Role
from tests.factories import IncidentFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_client_staff_see_their_brands_incidents_only(agency, outsider) -> None:
    member = MembershipFactory(
        organisation=agency.org, role=Role.VIEWER, kind=MemberKind.CLIENT, user__username="c1"
    )
    member.brands.set([agency.brand])
    IncidentFactory(brand=agency.brand, status=Status.RESPONDING, title="Ours visible")
    IncidentFactory(brand=agency.other_brand, status=Status.RESPONDING, title="Other brand")
    IncidentFactory(brand=outsider.brand, status=Status.RESPONDING, title="Other agency")
    browser = Client()
    browser.force_login(member.user)

    page = browser.get("/c/alpha/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Ours visible" in html and "Alpha" in html
    assert "Other brand" not in html and "Other agency" not in html
    assert browser.get("/c/omega/").status_code == 404


def test_agency_staff_are_sent_to_their_dashboard(agency) -> None:
    browser = Client()
    browser.force_login(agency.member("manager").user)

    assert browser.get("/c/alpha/").status_code == 302


def test_a_client_approves_or_sends_back_from_the_portal(agency) -> None:
    from templates import services

    agency.brand.require_client_approval = True
    agency.brand.save()
    member = MembershipFactory(
        organisation=agency.org,
        role=Role.VIEWER,
        kind=MemberKind.CLIENT,
        is_client_approver=True,
        user__username="c2",
    )
    member.brands.set([agency.brand])
    incident = IncidentFactory(brand=agency.brand, status=Status.RESPONDING)
    responder, manager = agency.member("responder"), agency.member("manager")
    drafts = []
    for body in ("First draft.", "Second draft."):
        response = services.response_create(incident=incident, by=responder, channel="x", body=body)
        services.response_submit(response=response, by=responder)
        services.response_approve(response=response, by=manager)
        drafts.append(response)
    browser = Client()
    browser.force_login(member.user)
    assert "First draft." in browser.get("/c/alpha/").content.decode()
    base = f"/o/alpha/incidents/{incident.pk}/responses"

    approved = browser.post(f"{base}/{drafts[0].pk}/approve/", {"back": "portal"})
    sent_back = browser.post(
        f"{base}/{drafts[1].pk}/reject/", {"back": "portal", "reason": "Softer, please."}
    )

    assert approved.status_code == 302 and approved["Location"] == "/c/alpha/"
    assert sent_back.status_code == 302 and sent_back["Location"] == "/c/alpha/"
    drafts[0].refresh_from_db()
    drafts[1].refresh_from_db()
    assert drafts[0].status == "approved" and drafts[0].client_approved_by_id == member.id
    assert drafts[1].status == "rejected"
