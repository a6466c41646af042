"""The client portal lists the approved post-mortems (page and PDF) and the monthly reports of
the client's brands (asked for there, read as HTML or PDF when ready); another brand's and
another agency's stay out (issue 20)."""

from datetime import date

import pytest
from django.test import Client

from incidents import services
from incidents.analytics import reports
from incidents.postmortems.models import BrandReport, PostMortem, PostMortemStatus
from tenants.models import MemberKind, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _client_staff(agency, username: str = "portal-client", brand=None):
    member = MembershipFactory(
        organisation=agency.org, role=Role.VIEWER, kind=MemberKind.CLIENT, user__username=username
    )
    member.brands.set([brand or agency.brand])
    browser = Client()
    browser.force_login(member.user)
    return member, browser


def _approved_postmortem(agency, brand, title: str) -> PostMortem:
    owner = agency.member("owner")
    incident = services.incident_create(brand=brand, title=title, severity="sev3", by=None)
    services.incident_acknowledge(incident=incident, by=owner)
    services.incident_transition(incident=incident, status="resolved", by=owner)
    postmortem = PostMortem.objects.get(incident=incident)
    PostMortem.objects.filter(pk=postmortem.pk).update(status=PostMortemStatus.APPROVED)
    return postmortem


def _ready_report(agency, brand) -> BrandReport:
    report = BrandReport.objects.create(
        organisation=agency.org,
        brand=brand,
        month=date(2026, 11, 1),
        requested_by=agency.member("manager"),
    )
    return reports.brand_report_generate(organisation_id=agency.org.pk, report_id=report.pk)


def test_the_portal_lists_their_postmortems_and_reports_only(agency) -> None:
    ours = _approved_postmortem(agency, agency.brand, "Ours resolved")
    theirs = _approved_postmortem(agency, agency.other_brand, "Other brand resolved")
    report = _ready_report(agency, agency.brand)
    other_report = _ready_report(agency, agency.other_brand)
    _, browser = _client_staff(agency)

    html = browser.get("/c/alpha/").content.decode()

    assert f'id="portal-postmortem-{ours.pk}"' in html and "Ours resolved" in html
    assert "Other brand resolved" not in html
    assert f'id="portal-report-{report.pk}"' in html
    assert f'id="portal-report-{other_report.pk}"' not in html
    pdf = browser.get(f"/c/alpha/postmortems/{ours.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert browser.get(f"/c/alpha/postmortems/{theirs.pk}/pdf/").status_code == 404
    assert browser.get(f"/c/alpha/reports/{report.pk}/pdf/").content.startswith(b"%PDF")
    page = browser.get(f"/c/alpha/reports/{report.pk}/html/")
    assert page.status_code == 200
    assert "alpha brand" in page.content.decode() and "Alpha" in page.content.decode()
    for path in (
        f"/c/alpha/reports/{other_report.pk}/pdf/",
        f"/c/alpha/reports/{other_report.pk}/html/",
    ):
        assert browser.get(path).status_code == 404


def test_a_client_asks_for_a_report_from_the_portal(agency, django_capture_on_commit_callbacks):
    _, browser = _client_staff(agency)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/c/alpha/brands/{agency.brand.pk}/reports/", {"month": "2026-11"})

    report = BrandReport.objects.get()
    assert report.brand == agency.brand and report.state == "ready"
    assert response.status_code == 302 and response["Location"] == "/c/alpha/"
    html = browser.get("/c/alpha/").content.decode()
    assert "The report is being prepared." in html
    assert f"/c/alpha/reports/{report.pk}/pdf/" in html
    refused = browser.post(
        f"/c/alpha/brands/{agency.brand.pk}/reports/", {"month": "soon"}, follow=True
    )
    assert "The month must be written YYYY-MM." in refused.content.decode()
    assert (
        browser.post(
            f"/c/alpha/brands/{agency.other_brand.pk}/reports/", {"month": "2026-11"}
        ).status_code
        == 404
    )
    assert BrandReport.objects.count() == 1


def test_a_report_not_ready_and_another_agency_answer_404(agency, outsider) -> None:
    queued = BrandReport.objects.create(
        organisation=agency.org,
        brand=agency.brand,
        month=date(2026, 11, 1),
        requested_by=agency.member("manager"),
    )
    _, browser = _client_staff(agency)
    stranger = Client()
    stranger.force_login(outsider.member("owner").user)

    assert browser.get(f"/c/alpha/reports/{queued.pk}/pdf/").status_code == 404
    assert 'data-state="queued"' in browser.get("/c/alpha/").content.decode()
    ready = _ready_report(agency, agency.brand)
    for path in (f"/c/alpha/reports/{ready.pk}/pdf/", f"/c/omega/reports/{ready.pk}/pdf/"):
        assert stranger.get(path).status_code == 404
