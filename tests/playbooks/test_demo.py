"""The demo agency shows an incident worked through a playbook to a published response."""

import pytest

from incidents.models import IncidentEvent
from playbooks.models import AppliedPlaybook, IncidentTask, Playbook
from templates.models import Response, ResponseStatus, ResponseTemplate
from tenants.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_library_and_an_incident_worked_through_a_playbook() -> None:
    organisation = seed_demo()

    assert Playbook.objects.filter(organisation=organisation, language="ru").exists()
    assert Playbook.objects.filter(organisation=organisation, language="en").exists()
    assert ResponseTemplate.objects.filter(organisation=organisation, brand=None).count() > 0
    [own] = ResponseTemplate.objects.filter(organisation=organisation, brand__isnull=False)
    assert own.brand.slug == "aurora-bank"
    [applied] = AppliedPlaybook.objects.filter(organisation=organisation)
    incident = applied.incident
    assert incident.crisis_type == applied.playbook.crisis_type
    tasks = IncidentTask.objects.filter(incident=incident)
    assert tasks.count() == applied.playbook.steps.count()
    assert tasks.filter(done_at__isnull=False).count() == 2
    [response] = Response.objects.filter(incident=incident)
    assert response.status == ResponseStatus.PUBLISHED
    assert response.template_version is not None
    assert response.author.user.username == "demo-responder"
    assert response.approved_by.user.username == "demo-manager"
    assert response.published_url.startswith("https://")
    assert incident.first_response_at == response.published_at
    kinds = list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    for kind in (
        "playbook_applied",
        "task_done",
        "response_drafted",
        "response_submitted",
        "response_approved",
        "response_published",
    ):
        assert kind in kinds


def test_seeding_again_changes_nothing() -> None:
    seed_demo()
    models = (IncidentTask, Response, IncidentEvent, ResponseTemplate, Playbook)
    counts = [model.objects.count() for model in models]

    seed_demo()

    assert [model.objects.count() for model in models] == counts


def test_the_demo_has_a_client_approver_who_lands_in_the_portal(client) -> None:
    """demo-client is Aurora Bank's own approver: client staff limited to that brand, which
    requires the client's approval; signing in leads to the portal, not the agency's pages."""
    from tenants.demo import DEMO_PASSWORD
    from tenants.models import MemberKind, Membership

    organisation = seed_demo()
    member = Membership.objects.get(organisation=organisation, user__username="demo-client")
    assert member.kind == MemberKind.CLIENT
    assert member.is_client_approver
    assert [b.slug for b in member.brands.all()] == ["aurora-bank"]
    assert member.brands.get().require_client_approval
    assert member.user.check_password(DEMO_PASSWORD)
    client.force_login(member.user)
    response = client.get("/o/demo/", follow=True)
    assert response.redirect_chain[-1][0] == "/c/demo/"
    assert "Aurora Bank" in response.content.decode()
    assert "Volna Telecom" not in response.content.decode()
