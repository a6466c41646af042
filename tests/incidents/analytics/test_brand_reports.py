"""Monthly brand reports (issue 20): asked for over the API (202 and an id), generated on the
worker with progress (eager in tests: the task runs at commit), read back as HTML and as a PDF
(pdftotext) in the brand's language and time zone with durations in words and the agency's
name; the agency's managers and the brand's client staff read them, everyone else gets 404."""

import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents.analytics import reports
from incidents.models import Status
from incidents.postmortems.models import BrandReport, ReportState
from tenants.models import MemberKind, Role
from tests.factories import IncidentFactory, MembershipFactory, MentionFactory

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")
# The first of November 2026 in Moscow: 31 October 21:00 UTC.
NOV_1 = datetime(2026, 11, 1, tzinfo=MOSCOW)
COMPLAINT = "курьер опоздал и доставка сорвалась снова"


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True)
    assert out.returncode == 0, out.stderr
    return " ".join(out.stdout.decode().split())


@pytest.fixture
def november(agency):
    """A brand in Moscow with two incidents in November (one detected at 23:30 Moscow on the
    31st of October: October's), negative mentions, and one of another brand."""
    agency.brand.time_zone = "Europe/Moscow"
    agency.brand.save()
    detected = NOV_1 + timedelta(days=3, hours=10)
    late = IncidentFactory(
        brand=agency.brand,
        title="Сорванные доставки",
        severity="sev2",
        status=Status.RESOLVED,
        detected_at=detected,
        acknowledged_at=detected + timedelta(minutes=12),
        first_response_at=detected + timedelta(hours=2, minutes=15),
        resolved_at=detected + timedelta(hours=30),
    )
    IncidentFactory(
        brand=agency.brand,
        title="Quiet one",
        severity="sev4",
        status=Status.RESOLVED,
        detected_at=detected + timedelta(days=10),
        acknowledged_at=detected + timedelta(days=10, minutes=5),
        resolved_at=detected + timedelta(days=10, hours=1),
    )
    IncidentFactory(
        brand=agency.brand, title="October's", detected_at=NOV_1 - timedelta(minutes=30)
    )
    IncidentFactory(brand=agency.other_brand, title="Other brand", detected_at=detected)
    for n in range(6):
        MentionFactory(
            brand=agency.brand,
            incident=late,
            text=f"{COMPLAINT} #{n}",
            posted_at=detected + timedelta(minutes=n),
            sentiment_score=-0.8,
            sentiment_label="negative",
        )
    MentionFactory(
        brand=agency.brand, posted_at=detected, sentiment_score=0.6, sentiment_label="positive"
    )
    return late


def _client(agency, brand, username: str = "client-staff"):
    member = MembershipFactory(
        organisation=agency.org, role=Role.VIEWER, kind=MemberKind.CLIENT, user__username=username
    )
    member.brands.set([brand])
    return member


def base(agency) -> str:
    return f"/api/v1/orgs/alpha/brands/{agency.brand.pk}/reports/"


def ask(client, agency, django_capture_on_commit_callbacks, month: str = "2026-11"):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(base(agency), {"month": month}, format="json")
    return response


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "Monthly report for alpha brand",
                "November 2026",
                "2 incidents this month",
                "Response times against the SLA",
                "met in 12 min",
                "late, in 2 h 15 min",
                "What the crises were about",
                "Prepared by Alpha",
            ],
        ),
        (
            "ru",
            [
                "Ежемесячный отчёт для alpha brand",
                "Ноябрь 2026",
                "2 инцидента за месяц",
                "Время реакции против SLA",
                "12 мин",
                "2 ч 15 мин",
                "О чём были кризисы",
                "Подготовлено агентством Alpha",
            ],
        ),
    ],
)
def test_a_report_is_generated_with_progress_and_reads_in_the_brands_language(
    as_role, agency, november, django_capture_on_commit_callbacks, language, expected
) -> None:
    agency.brand.languages = [language]
    agency.brand.save()

    response = ask(as_role("manager"), agency, django_capture_on_commit_callbacks)

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["month"] == "2026-11" and body["id"]
    report = as_role("manager").get(body["url"]).json()
    assert report["state"] == "ready" and report["progress"] == 100
    assert report["language"] == language
    pdf = as_role("manager").get(report["pdf_url"])
    html = as_role("manager").get(report["html_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert html.status_code == 200 and f'<html lang="{language}">' in html.content.decode()
    text = pdf_text(pdf.content)
    for phrase in expected:
        assert phrase in text, (phrase, text[:2500])
    assert "Сорванные доставки" in text and "Quiet one" in text
    assert "October's" not in text and "Other brand" not in text
    assert "курьер" in text  # the crisis phrases of its negative mentions
    # Detected 4 November 10:00 in Moscow (07:00 UTC): shown in the brand's time.
    assert "10:00" in text and "Europe/Moscow" in text
    assert "alpha-manager" not in text


def test_progress_is_written_as_it_goes(agency, november) -> None:
    manager = agency.member("manager")
    report = BrandReport.objects.create(
        organisation=agency.org, brand=agency.brand, month=NOV_1.date(), requested_by=manager
    )
    seen = []
    original = reports._progress

    def spy(target, percent):
        original(target, percent)
        seen.append(BrandReport.objects.values_list("progress", flat=True).get(pk=report.pk))

    reports._progress = spy
    try:
        done = reports.brand_report_generate(organisation_id=agency.org.pk, report_id=report.pk)
    finally:
        reports._progress = original

    assert done.state == ReportState.READY
    assert seen == sorted(seen) and len(seen) >= 4 and seen[-1] < 100
    # A redelivered task finds the report done and does nothing.
    assert reports.brand_report_generate(organisation_id=agency.org.pk, report_id=report.pk) is None


def test_client_staff_of_the_brand_read_and_ask_others_get_404(
    api, as_role, agency, outsider, november, django_capture_on_commit_callbacks
) -> None:
    own = _client(agency, agency.brand)
    response = ask(api(own.user), agency, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    url = response.json()["url"]
    assert api(own.user).get(url).json()["state"] == "ready"
    assert api(own.user).get(url + "pdf/").status_code == 200
    assert [r["id"] for r in api(own.user).get(base(agency)).json()] == [response.json()["id"]]

    other_client = _client(agency, agency.other_brand, "other-client")
    for user in (
        other_client.user,
        agency.member("responder").user,
        agency.member("viewer").user,
        outsider.member("owner").user,
    ):
        for path in (url, url + "pdf/", url + "html/", base(agency)):
            assert api(user).get(path).status_code == 404, (user, path)
        assert api(user).post(base(agency), {"month": "2026-11"}, format="json").status_code == 404
    assert api(None).get(url).status_code == 401
    assert BrandReport.objects.count() == 1


def test_malformed_or_future_months_are_refused(as_role, agency) -> None:
    client = as_role("manager")
    next_year = f"{datetime.now().year + 1}-01"
    for month in ("2026-13", "nov", "2026-1", "", next_year):
        response = client.post(base(agency), {"month": month}, format="json")
        assert response.status_code == 400, (month, response.content)
    assert not BrandReport.objects.exists()


def test_a_queued_report_of_the_month_is_not_asked_twice(as_role, agency) -> None:
    first = as_role("manager").post(base(agency), {"month": "2026-11"}, format="json").json()
    again = as_role("owner").post(base(agency), {"month": "2026-11"}, format="json").json()

    assert first["id"] == again["id"] and first["state"] == "queued"
    assert first["pdf_url"] is None and first["html_url"] is None
    assert as_role("manager").get(first["url"] + "pdf/").status_code == 404
