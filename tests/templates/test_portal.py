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
