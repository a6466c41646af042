"""The client post-mortem as a PDF (WeasyPrint), read back with pdftotext (poppler-utils): in
the brand's language and time zone, durations in words, the timeline in sentences, the agency's
name, and nothing internal."""

import subprocess
from datetime import timedelta

import pytest

from incidents import services
from incidents.models import Incident
from incidents.postmortems.models import PostMortem

pytestmark = pytest.mark.django_db

NOTE = "Internal note: never tell the client"


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


@pytest.fixture
def resolved(agency) -> PostMortem:
    responder = agency.member("responder")
    incident = services.incident_create(
        brand=agency.brand,
        title="Outage",
        severity="sev2",
        by=responder,
        teams=[agency.team],
    )
    services.incident_add_note(incident=incident, by=responder, text=NOTE)
    services.incident_acknowledge(incident=incident, by=responder)
    services.incident_transition(incident=incident, status="resolved", by=responder)
    Incident.objects.filter(pk=incident.pk).update(
        detected_at=incident.detected_at - timedelta(hours=2, minutes=15)
    )
    return PostMortem.objects.get(incident=incident)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Post-mortem for alpha brand", "Timeline", "Time to acknowledge"]),
        ("ru", ["Хронология", "Время до принятия", "Разбор инцидента для alpha brand"]),
    ],
)
def test_the_client_pdf_reads_in_the_brands_language(
    agency, as_role, resolved, language, expected
) -> None:
    agency.brand.languages = [language]
    agency.brand.time_zone = "Asia/Yekaterinburg"
    agency.brand.save()
    url = f"/api/v1/orgs/alpha/postmortems/{resolved.id}/export/?format=pdf&audience=client"

    response = as_role("manager").get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for phrase in expected:
        assert phrase in text, text
    assert "Alpha" in text.upper() or "ALPHA" in text  # the agency's name
    assert NOTE not in text
    assert "alpha-responder" not in text
    assert "status_changed" not in text
    assert "Asia/Yekaterinburg" in text


def test_an_internal_pdf_is_refused(as_role, resolved) -> None:
    url = f"/api/v1/orgs/alpha/postmortems/{resolved.id}/export/?format=pdf&audience=internal"

    refused = as_role("manager").get(url)
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "audience": ["The PDF is the client version: ask for audience=client."]
    }


@pytest.mark.parametrize(
    ("query", "field"), [("format=doc", "format"), ("audience=all", "audience")]
)
def test_an_unknown_format_or_audience_is_refused_by_name(as_role, resolved, query, field) -> None:
    url = f"/api/v1/orgs/alpha/postmortems/{resolved.id}/export/?{query}"

    refused = as_role("manager").get(url)
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid" and list(refused.json()["errors"]) == [field]


def test_another_agency_gets_404(api, outsider, resolved) -> None:
    url = f"/api/v1/orgs/alpha/postmortems/{resolved.id}/export/?format=pdf&audience=client"

    assert api(outsider.member("owner").user).get(url).status_code == 404


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Post-mortem for alpha brand", "Timeline", "Time to acknowledge"]),
        ("ru", ["Разбор инцидента для alpha brand", "Хронология", "Время до принятия"]),
    ],
)
def test_the_client_html_export_is_the_pdfs_page(
    agency, as_role, resolved, language, expected
) -> None:
    agency.brand.languages = [language]
    agency.brand.time_zone = "Asia/Yekaterinburg"
    agency.brand.save()
    api_url = f"/api/v1/orgs/alpha/postmortems/{resolved.id}/export/"
    page_url = f"/o/alpha/postmortems/{resolved.id}/export/"
    from django.test import Client

    browser = Client()
    browser.force_login(agency.member("manager").user)

    for response in (
        as_role("manager").get(api_url, {"format": "html", "audience": "client"}),
        browser.get(page_url, {"format": "html", "audience": "client"}),
    ):
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        for phrase in expected:
            assert phrase in html
        detected = resolved.incident.detected_at.astimezone(
            __import__("zoneinfo").ZoneInfo("Asia/Yekaterinburg")
        )
        assert detected.strftime("%H:%M") in html and "Asia/Yekaterinburg" in html
        for internal in (NOTE, "alpha-responder", "status_changed"):
            assert internal not in html
