"""Client staff are never given the agency's duties.

Found walking the product as an attacker: a manager could put a client member (brand-limited
to one brand) into an agency team (`POST …/teams/`, `POST …/teams/<id>/members/`, the team
page), make them the commander of an incident of another brand (`POST …/incidents/<id>/assign/`,
the Assign dialog offered them) and the owner of a post-mortem action item. A team's members
are paged by escalation ("Incident #7 “…” (Other brand) is not acknowledged yet"), so the
client read the titles of the other brands' incidents. Now the services refuse it, the forms
no longer offer them, a member turned client leaves their teams, and escalation never calls a
client member whatever the rows say.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.forms import AssignForm
from incidents.notifications.escalation import level_recipients
from incidents.notifications.models import EscalationLevel
from incidents.notifications.views_escalation import RotaForm
from incidents.postmortems.forms import ActionItemForm
from incidents.postmortems.models import PostMortem
from tenants.forms import TeamForm
from tenants.models import MemberKind, Membership, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs/alpha/"


@pytest.fixture
def client_member(agency) -> Membership:
    membership = MembershipFactory(
        organisation=agency.org,
        role=Role.VIEWER,
        kind=MemberKind.CLIENT,
        user__username="client-of-second-brand",
    )
    membership.brands.set([agency.other_brand])
    return membership


@pytest.fixture
def incident(agency):
    return services.incident_create(
        brand=agency.brand,
        title="Recall of the first brand",
        severity="sev1",
        by=agency.member("manager"),
        teams=[agency.team],
    )


def test_a_client_member_joins_no_agency_team(as_role, agency, client_member) -> None:
    client = as_role("manager")
    created = client.post(
        BASE + "teams/", {"name": "with the client", "members": [client_member.id]}, format="json"
    )
    assert created.status_code == 400, created.json()
    assert "members" in created.json()["errors"]
    added = client.post(
        f"{BASE}teams/{agency.team.id}/members/", {"membership": client_member.id}, format="json"
    )
    assert added.status_code == 400, added.json()
    patched = client.patch(
        f"{BASE}teams/{agency.team.id}/", {"members": [client_member.id]}, format="json"
    )
    assert patched.status_code == 400, patched.json()
    assert not agency.team.members.filter(pk=client_member.pk).exists()


def test_a_member_turned_client_leaves_their_teams(as_role, agency) -> None:
    viewer = agency.member("viewer")
    assert agency.team.members.filter(pk=viewer.pk).exists()
    response = as_role("owner").patch(
        f"{BASE}members/{viewer.id}/",
        {"kind": "client", "brands": [agency.brand.id]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert not agency.team.members.filter(pk=viewer.pk).exists()


def test_a_client_member_never_commands_an_incident(
    as_role, agency, client_member, incident
) -> None:
    response = as_role("manager").post(
        f"{BASE}incidents/{incident.id}/assign/", {"commander": client_member.id}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert "commander" in response.json()["errors"]
    incident.refresh_from_db()
    assert incident.commander_id is None


def test_a_member_limited_to_another_brand_does_not_command_it(as_role, agency, incident) -> None:
    limited = MembershipFactory(organisation=agency.org, role=Role.RESPONDER)
    limited.brands.set([agency.other_brand])
    response = as_role("manager").post(
        f"{BASE}incidents/{incident.id}/assign/", {"commander": limited.id}, format="json"
    )
    assert response.status_code == 400, response.json()
    fine = as_role("manager").post(
        f"{BASE}incidents/{incident.id}/assign/",
        {"commander": agency.member("responder").id},
        format="json",
    )
    assert fine.status_code == 200, fine.json()


def test_a_client_member_owns_no_action_item(as_role, agency, client_member, incident) -> None:
    postmortem = PostMortem.objects.create(
        organisation=agency.org, incident=incident, author=agency.member("responder")
    )
    url = f"{BASE}postmortems/{postmortem.id}/action-items/"
    client = as_role("manager")
    refused = client.post(url, {"title": "Call the client", "owner": client_member.id})
    assert refused.status_code == 400, refused.json()
    assert "owner" in refused.json()["errors"]
    item = client.post(url, {"title": "Call the client"}, format="json")
    assert item.status_code == 201, item.json()
    patched = client.patch(f"{url}{item.json()['id']}/", {"owner": client_member.id}, format="json")
    assert patched.status_code == 400, patched.json()


def test_the_forms_offer_only_agency_staff(agency, client_member, incident) -> None:
    manager = agency.member("manager")
    postmortem = PostMortem.objects.create(
        organisation=agency.org, incident=incident, author=agency.member("responder")
    )
    assert postmortem.id
    for form, field in (
        (AssignForm(membership=manager), "commander"),
        (TeamForm(membership=manager), "members"),
        (ActionItemForm(membership=manager), "owner"),
        (RotaForm(membership=manager), "members"),
    ):
        offered = set(form.fields[field].queryset.values_list("id", flat=True))
        assert client_member.id not in offered, field
        assert agency.member("responder").id in offered, field


def test_escalation_never_calls_a_client_member(agency, client_member, incident) -> None:
    # A client member already in a team (rows written before the rule) is still never paged.
    agency.team.members.add(client_member)
    level = EscalationLevel(target=EscalationLevel.Target.TEAM, delay_minutes=0, position=0)
    called = level_recipients(level, incident, timezone.now() + timedelta(minutes=1))
    assert client_member not in called
    assert agency.member("responder") in called
