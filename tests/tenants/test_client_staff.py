"""Issue 13, hole 1: client staff read the agency's internal notes.

A brand-limited viewer of the client got the internal notes in `…/incidents/<id>/events/`, the
internal post-mortem export (the default audience) and every member's username and email.
Now a membership is explicitly of one kind (agency or client staff); every timeline event has
a visibility, and client staff read only client events, the client post-mortem whatever
audience they ask for, and the agency's contacts by display name. Every route a view did not
open to them refuses them.

`test_client_staff_never_read_an_internal_note` and
`test_client_staff_get_the_client_export_whatever_they_ask` fail on the previous code.
"""

import pytest

from incidents import services
from incidents.events import event_kind, event_kinds
from incidents.models import IncidentEvent, Visibility
from incidents.postmortems.models import PostMortem
from tenants.models import MemberKind, Membership, Role
from tenants.services import invitation_accept
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "internal: the CEO wants to stall"


@pytest.fixture
def client_member(agency) -> Membership:
    membership = MembershipFactory(
        organisation=agency.org,
        role=Role.VIEWER,
        kind=MemberKind.CLIENT,
        user__username="client-viewer",
    )
    membership.brands.set([agency.brand])
    agency.team.members.add(membership)
    return membership


@pytest.fixture
def incident(agency):
    responder = agency.member("responder")
    incident = services.incident_create(
        brand=agency.brand,
        title="Delivery outage",
        severity="sev2",
        by=responder,
        teams=[agency.team],
    )
    services.incident_add_note(incident=incident, by=responder, text=SECRET)
    services.incident_add_note(
        incident=incident,
        by=responder,
        text="We are on it, an update within the hour.",
        visibility=Visibility.CLIENT,
    )
    services.incident_acknowledge(incident=incident, by=responder)
    return incident


def _events(client, agency, incident) -> list[dict]:
    url = f"/api/v1/orgs/{agency.org.slug}/incidents/{incident.id}/events/"
    response = client.get(url)
    assert response.status_code == 200
    return response.json()["results"]


def test_every_event_kind_declares_its_visibility() -> None:
    assert {k.visibility for k in event_kinds()} <= set(Visibility.values)
    assert event_kind("note").visibility == Visibility.INTERNAL
    assert event_kind("assigned").visibility == Visibility.INTERNAL
    assert event_kind("status_changed").visibility == Visibility.CLIENT
    assert event_kind("response_published").visibility == Visibility.CLIENT


def test_client_staff_never_read_an_internal_note(agency, api, client_member, incident) -> None:
    events = _events(api(client_member.user), agency, incident)

    assert [e["kind"] for e in events] == ["created", "note", "acknowledged"]
    assert {e["visibility"] for e in events} == {"client"}
    assert SECRET not in str(events)
    # People are named to them by display name, never by username.
    assert "alpha-responder" not in str(events)


def test_agency_staff_read_every_event_with_its_visibility(agency, api, incident) -> None:
    events = _events(api(agency.member("viewer").user), agency, incident)

    assert [(e["kind"], e["visibility"]) for e in events] == [
        ("created", "client"),
        ("note", "internal"),
        ("note", "client"),
        ("acknowledged", "client"),
    ]
    assert SECRET in str(events)


def test_a_note_is_internal_unless_marked_for_the_client(agency, as_role, incident) -> None:
    url = f"/api/v1/orgs/{agency.org.slug}/incidents/{incident.id}/notes/"
    internal = as_role("responder").post(url, {"text": "plain"}, format="json")
    marked = as_role("responder").post(
        url, {"text": "for them", "visibility": "client"}, format="json"
    )
    wrong = as_role("responder").post(url, {"text": "x", "visibility": "public"}, format="json")

    assert internal.status_code == 201 and internal.json()["visibility"] == "internal"
    assert marked.status_code == 201 and marked.json()["visibility"] == "client"
    assert wrong.status_code == 400
    assert IncidentEvent.objects.get(pk=marked.json()["id"]).visibility == "client"


def test_client_staff_get_the_client_export_whatever_they_ask(
    agency, api, client_member, incident
) -> None:
    responder = agency.member("responder")
    services.incident_transition(incident=incident, status="resolved", by=responder)
    postmortem = PostMortem.objects.get(incident=incident)
    PostMortem.objects.filter(pk=postmortem.pk).update(status="approved")
    base = f"/api/v1/orgs/{agency.org.slug}/postmortems/{postmortem.id}/export/"

    for query in ("?format=md", "?format=md&audience=internal", "?format=html&audience=internal"):
        response = api(client_member.user).get(base + query)
        assert response.status_code == 200, query
        body = response.content.decode()
        assert SECRET not in body, query
        assert "alpha-responder" not in body, query
    # Agency staff still choose.
    internal = api(agency.member("manager").user).get(base + "?format=md&audience=internal")
    assert SECRET in internal.content.decode()

    # The pages: the same rule.
    page = api(client_member.user)
    page.force_login(client_member.user)
    web = page.get(f"/o/{agency.org.slug}/postmortems/{postmortem.id}/export/?format=md")
    assert web.status_code == 200 and SECRET not in web.content.decode()


def test_client_staff_read_people_by_display_name_only(agency, api, client_member) -> None:
    agency.member("manager").user.first_name = "Maria"
    agency.member("manager").user.last_name = "Petrova"
    agency.member("manager").user.save()
    client = api(client_member.user)

    members = client.get(f"/api/v1/orgs/{agency.org.slug}/members/")
    teams = client.get(f"/api/v1/orgs/{agency.org.slug}/teams/")

    assert members.status_code == 200 and teams.status_code == 200
    text = members.content.decode() + teams.content.decode()
    assert "@example.com" not in text
    assert "alpha-" not in text
    assert "Maria Petrova" in text
    assert set(members.json()["results"][0]) == {"id", "name", "kind"}


def test_client_staff_are_refused_the_agency_routes(agency, api, client_member, incident) -> None:
    client = api(client_member.user)
    slug = agency.org.slug
    for url in (
        f"/api/v1/orgs/{slug}/playbooks/",
        f"/api/v1/orgs/{slug}/mentions/",
        f"/api/v1/orgs/{slug}/audit/",
        f"/api/v1/orgs/{slug}/incidents/{incident.id}/tasks/",
        f"/api/v1/orgs/{slug}/incidents/{incident.id}/mention-stats/",
    ):
        assert client.get(url).status_code == 403, url
    # Their own brand's incident, yes; another brand's, not found.
    assert client.get(f"/api/v1/orgs/{slug}/incidents/{incident.id}/").status_code == 200


def test_the_member_kind_is_explicit_and_a_client_member_has_a_brand(agency, as_role) -> None:
    viewer = agency.member("viewer")
    url = f"/api/v1/orgs/{agency.org.slug}/members/{viewer.id}/"
    owner = as_role("owner")

    refused = owner.patch(url, {"kind": "client"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"brands": ["A client member needs at least one brand."]}

    done = owner.patch(url, {"kind": "client", "brands": [agency.brand.id]}, format="json")
    assert done.status_code == 200
    assert done.json()["kind"] == "client" and done.json()["brands"] == [agency.brand.id]
    viewer.refresh_from_db()
    assert viewer.is_client

    # Agency staff may be brand-limited too, and stay agency staff.
    responder = agency.member("responder")
    limited = owner.patch(
        f"/api/v1/orgs/{agency.org.slug}/members/{responder.id}/",
        {"brands": [agency.brand.id]},
        format="json",
    )
    assert limited.json()["kind"] == "agency"


def test_a_client_invitation_names_its_brands_and_makes_client_staff(agency, as_role) -> None:
    url = f"/api/v1/orgs/{agency.org.slug}/invitations/"
    owner = as_role("owner")

    refused = owner.post(
        url, {"email": "c@client.example", "role": "viewer", "kind": "client"}, format="json"
    )
    assert refused.status_code == 400

    created = owner.post(
        url,
        {
            "email": "c@client.example",
            "role": "viewer",
            "kind": "client",
            "brands": [agency.brand.id],
        },
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["kind"] == "client" and body["brands"] == [agency.brand.id]

    user = UserFactory(username="client-person", email="c@client.example")
    membership = invitation_accept(token=body["token"], by=user)
    assert membership.kind == MemberKind.CLIENT
    assert list(membership.brands.values_list("id", flat=True)) == [agency.brand.id]
    listed = owner.get(url).json()["results"][0]
    assert listed["kind"] == "client"


def test_client_pages_show_no_internal_note_and_no_email(agency, client, client_member, incident):
    client.force_login(client_member.user)
    slug = agency.org.slug

    room = client.get(f"/o/{slug}/incidents/{incident.id}/")
    timeline = client.get(f"/o/{slug}/incidents/{incident.id}/timeline/?since=0")
    members = client.get(f"/o/{slug}/members/")

    assert room.status_code == 200 and timeline.status_code == 200
    for page in (room, timeline):
        assert SECRET not in page.content.decode()
        assert "We are on it" in page.content.decode()
    assert members.status_code == 200
    assert "@example.com" not in members.content.decode()
    assert client.get(f"/o/{slug}/playbooks/").status_code == 403
