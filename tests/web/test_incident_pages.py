"""The board and the incident room call the incident services: what a person does on a page is
what the API would do, refusals land beside the field or as a message."""

import re

import pytest

from incidents import services
from incidents.models import Incident, IncidentEvent, Status
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_a_responder_opens_an_incident_from_the_board(browser_as, agency) -> None:
    response = browser_as("responder").post(
        "/o/alpha/incidents/new/",
        {
            "brand": agency.brand.pk,
            "title": "Boycott call",
            "severity": "sev1",
            "teams": [agency.team.pk],
        },
    )
    incident = Incident.objects.get(title="Boycott call")
    assert response.status_code == 302
    assert response["Location"] == f"/o/alpha/incidents/{incident.pk}/"
    assert (incident.status, incident.severity, incident.brand) == (
        "detected",
        "sev1",
        agency.brand,
    )
    assert list(incident.teams.all()) == [agency.team]
    assert list(incident.events.values_list("kind", flat=True)) == ["created"]


def test_the_create_form_shows_errors_beside_the_fields(browser_as, agency) -> None:
    response = browser_as("responder").post(
        "/o/alpha/incidents/new/", {"brand": agency.brand.pk, "title": "", "severity": "sev9"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    # Django renders each field's errors inside its own group, referenced by aria-describedby.
    assert re.search(
        r'<ul class="errorlist" id="new_title_error">\s*<li>This field is required', body
    )
    assert 'aria-describedby="new_title_error"' in body
    assert 'id="new_severity_error"' in body
    assert '<details class="card disclosure" id="new-incident" open>' in body
    assert not Incident.objects.exists()


def test_another_agencys_brand_or_team_cannot_be_chosen(browser_as, agency, outsider) -> None:
    response = browser_as("responder").post(
        "/o/alpha/incidents/new/",
        {"brand": outsider.brand.pk, "title": "X", "severity": "sev2", "teams": [outsider.team.pk]},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="new_brand_error"' in body and 'id="new_teams_error"' in body
    assert outsider.brand.name not in body
    assert not Incident.objects.exists()


def test_the_board_shows_open_incidents_filtered_like_the_api(browser_as, agency, incident) -> None:
    other = services.incident_create(
        brand=agency.other_brand, title="Second brand issue", severity="sev4", by=None
    )
    resolved = services.incident_create(
        brand=agency.brand, title="Old and resolved", severity="sev3", by=None
    )
    for status in ("acknowledged", "resolved"):
        services.incident_transition(incident=resolved, status=status, by=agency.member("owner"))
    client = browser_as("viewer")
    body = client.get("/o/alpha/incidents/").content.decode()
    assert incident.title in body and other.title in body and resolved.title not in body
    body = client.get(f"/o/alpha/incidents/?brand={agency.brand.pk}").content.decode()
    assert incident.title in body and other.title not in body
    body = client.get("/o/alpha/incidents/?severity=sev4&severity=sev1").content.decode()
    assert incident.title not in body and other.title in body
    body = client.get("/o/alpha/incidents/?assigned_to_me=true").content.decode()
    assert incident.title in body and other.title not in body  # the viewer's team has only one


def test_the_board_row_follows_the_filters(browser_as, agency, incident) -> None:
    client = browser_as("viewer")
    row = client.get(f"/o/alpha/incidents/{incident.pk}/row/?severity=sev2").content.decode()
    assert f'id="incident-{incident.pk}"' in row and "Influencer backlash" in row
    # Filtered out (or no longer open): an empty answer, which removes the row live.
    assert client.get(f"/o/alpha/incidents/{incident.pk}/row/?severity=sev1").content == b""
    services.incident_transition(
        incident=incident, status="acknowledged", by=agency.member("owner")
    )
    services.incident_transition(incident=incident, status="resolved", by=agency.member("owner"))
    assert client.get(f"/o/alpha/incidents/{incident.pk}/row/").content == b""


def test_the_board_reads_a_constant_number_of_queries(
    browser_as, agency, django_assert_max_num_queries
) -> None:
    client = browser_as("responder")
    services.incident_create(brand=agency.brand, title="One", severity="sev1", by=None)
    with django_assert_max_num_queries(20) as few:
        client.get("/o/alpha/incidents/")
    for n in range(10):
        services.incident_create(
            brand=agency.other_brand,
            title=f"More {n}",
            severity="sev3",
            by=None,
            teams=[agency.team],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/o/alpha/incidents/")
    assert response.content.decode().count('class="board__row"') == 11


def test_acknowledge_then_move_through_the_lifecycle(browser_as, agency, incident) -> None:
    client = browser_as("responder")
    url = f"/o/alpha/incidents/{incident.pk}/"
    assert client.post(url + "acknowledge/")["Location"] == url
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    assert incident.commander == agency.member("responder")  # the acknowledger commands
    room = client.get(url).content.decode()
    assert 'data-action="acknowledge"' not in room
    assert 'data-action="status-responding"' in room and 'data-action="status-closed"' not in room
    client.post(url + "status/", {"status": "responding"})
    incident.refresh_from_db()
    assert incident.status == Status.RESPONDING


def test_a_refused_transition_becomes_a_message(browser_as, incident) -> None:
    client = browser_as("responder")
    url = f"/o/alpha/incidents/{incident.pk}/"
    response = client.post(url + "status/", {"status": "closed"}, follow=True)
    assert "This status change is not possible any more: the incident is now Detected." in (
        response.content.decode()
    )
    client.post(url + "acknowledge/")
    response = client.post(url + "acknowledge/", follow=True)  # a second, late click
    assert "the incident is now Acknowledged" in response.content.decode()
    assert IncidentEvent.objects.filter(kind="acknowledged").count() == 1


def test_severity_assignment_and_notes_reach_the_timeline(browser_as, agency, incident) -> None:
    client = browser_as("responder")
    url = f"/o/alpha/incidents/{incident.pk}/"
    night = TeamFactory(organisation=agency.org, name="Night shift")
    client.post(url + "severity/", {"severity": "sev1"})
    client.post(
        url + "assign/",
        {"commander": agency.member("manager").pk, "teams": [agency.team.pk, night.pk]},
    )
    client.post(url + "notes/", {"text": "Statement drafted with legal."})
    incident.refresh_from_db()
    assert incident.severity == "sev1"
    assert incident.commander == agency.member("manager")
    assert set(incident.teams.all()) == {agency.team, night}
    timeline = client.get(url + "timeline/?since=0").content.decode()
    assert "changed the severity: SEV2 — major → SEV1 — critical" in timeline
    assert (
        "made alpha-manager the commander; assigned the teams: alpha care, Night shift" in timeline
    )
    assert "Statement drafted with legal." in timeline
    last = incident.events.order_by("-id").first()
    assert client.get(url + f"timeline/?since={last.pk}").content.decode().strip() == ""


def test_an_empty_note_is_refused_beside_the_field(browser_as, incident) -> None:
    response = browser_as("responder").post(
        f"/o/alpha/incidents/{incident.pk}/notes/", {"text": "  "}
    )
    assert response.status_code == 400
    assert 'id="note_text_error"' in response.content.decode()
    assert not IncidentEvent.objects.filter(kind="note").exists()


def test_another_agencys_team_cannot_be_assigned(browser_as, incident, outsider) -> None:
    response = browser_as("responder").post(
        f"/o/alpha/incidents/{incident.pk}/assign/", {"teams": [outsider.team.pk]}
    )
    assert response.status_code == 400
    assert 'id="assign_teams_error"' in response.content.decode()
    assert not IncidentEvent.objects.filter(kind="assigned").exists()


def test_the_dashboard_shows_clocks_overdue_items_and_the_trend(
    browser_as, agency, incident
) -> None:
    Incident.objects.filter(pk=incident.pk).update(
        detected_at=incident.detected_at - __import__("datetime").timedelta(hours=2)
    )
    body = browser_as("viewer").get("/o/alpha/").content.decode()
    assert "Influencer backlash" in body
    assert body.count('class="clock clock--breached"') >= 2  # ack overdue, in the column and mine
    assert "My overdue items" in body
    # No SEV1 incident (the default severity): one sentence instead of three empty charts.
    assert "data-trend-empty" in body and "Time to acknowledge, median minutes" not in body
    acknowledged = services.incident_create(
        brand=agency.brand, title="Courier strike", severity="sev3", by=None
    )
    owner = agency.member("owner")
    services.incident_acknowledge(incident=acknowledged, by=owner)
    body = browser_as("viewer").get("/o/alpha/?severity=sev3").content.decode()
    assert "Time to acknowledge, median minutes" in body
    assert "<svg" in body and "SLA 120 min" in body


def test_charts_keep_svg_numbers_unlocalised_in_russian(browser_as, agency, incident) -> None:
    from django.utils import timezone

    from incidents.monitoring.models import MentionBucket

    MentionBucket.objects.create(
        organisation=agency.org,
        brand=agency.brand,
        bucket_start=timezone.now().replace(second=0, microsecond=0),
        total=3,
        negative=1,
    )
    client = browser_as("manager")
    client.post("/language/", {"language": "ru", "next": "/"})
    for url in ("/o/alpha/", f"/o/alpha/incidents/{incident.pk}/"):
        body = client.get(url).content.decode()
        assert '<html lang="ru">' in body
        assert "<svg" in body
        # A decimal comma in a coordinate would break the drawing.
        assert not re.search(r'\b(x|y|x1|x2|y1|y2|cx|cy|width|height)="-?\d+,\d', body), url
