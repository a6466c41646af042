"""The dashboard's work queues: responses waiting for my approval (next to post-mortems waiting
for my review and my overdue items), in a constant number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services as incident_services
from templates import services as template_services
from templates.models import Response
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(agency):
    return template_services.template_create(
        organisation=agency.org,
        by=agency.member("manager"),
        name="Short apology",
        channel="sms",
        language="en",
        tone="apologetic",
        body="{{ brand }}: {{ message }}",
        variables=["message"],
    )


def _pending(agency, template, title: str, author: str = "responder") -> Response:
    incident = incident_services.incident_create(
        brand=agency.brand, title=title, severity="sev2", by=None, teams=[agency.team]
    )
    client = signed_in(agency.member(author).user)
    base = f"/o/alpha/incidents/{incident.pk}/responses/"
    client.post(base + "new/", {"template": template.pk, "var_message": "We are on it."})
    response = Response.objects.filter(incident=incident).get()
    client.post(base + f"{response.pk}/submit/")
    response.refresh_from_db()
    assert response.status == "pending_approval"
    return response


def test_a_manager_sees_the_responses_waiting_for_approval(browser_as, agency, template) -> None:
    waiting = _pending(agency, template, "Courier strike")
    body = browser_as("manager").get("/o/alpha/").content.decode()
    assert "Responses waiting for my approval" in body
    assert f'href="/o/alpha/incidents/{waiting.incident_id}/#section-responses"' in body
    assert "Courier strike · SMS" in body


def test_my_own_response_and_a_viewer_have_no_approval_queue(browser_as, agency, template) -> None:
    _pending(agency, template, "Written by the manager", author="manager")
    body = browser_as("manager").get("/o/alpha/").content.decode()
    queue = re.search(r'id="dashboard-approvals".*?</section>', body, re.S).group(0)
    assert "Written by the manager" not in queue  # nobody approves their own response
    assert "No response waits for your approval." in queue
    assert (
        "Responses waiting for my approval"
        not in browser_as("viewer").get("/o/alpha/").content.decode()
    )


def test_another_agencys_responses_never_appear(browser_as, agency, outsider, template) -> None:
    _pending(agency, template, "Ours")
    body = signed_in(outsider.member("manager").user).get("/o/omega/").content.decode()
    assert "Ours" not in body


def test_the_queue_costs_the_same_queries_for_many_responses(
    browser_as, agency, template, django_assert_max_num_queries
) -> None:
    client = browser_as("manager")
    client.get("/o/alpha/incidents/")  # session and language: warm
    _pending(agency, template, "First")
    with CaptureQueriesContext(connection) as few:
        client.get("/o/alpha/")
    baseline = len(few)
    assert baseline > 10
    for n in range(6):
        _pending(agency, template, f"More {n}")
    with django_assert_max_num_queries(baseline):
        body = client.get("/o/alpha/").content.decode()
    assert body.count("· SMS</a>") == 7


def test_the_queue_speaks_russian(browser_as, agency, template) -> None:
    _pending(agency, template, "Courier strike")
    body = browser_as("manager").get("/o/alpha/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Ответы, ждущие моего согласования" in body


def test_a_client_manager_never_sees_what_waits_for_the_agency(agency, template) -> None:
    """A client member with the manager role is the client's approver, not the agency's: a
    response the agency has not approved yet is internal, in their queue as everywhere."""
    from templates.selectors import responses_awaiting_approval
    from tenants.models import MemberKind, Role
    from tests.factories import MembershipFactory

    agency.brand.require_client_approval = True
    agency.brand.save()
    client = MembershipFactory(
        organisation=agency.org, role=Role.MANAGER, kind=MemberKind.CLIENT, is_client_approver=True
    )
    client.brands.set([agency.brand])
    internal = _pending(agency, template, "Not approved by the agency yet")
    approved = _pending(agency, template, "Approved by the agency")
    template_services.response_approve(response=approved, by=agency.member("manager"))

    assert list(responses_awaiting_approval(membership=client)) == [approved]
    assert internal.pk not in set(
        responses_awaiting_approval(membership=client).values_list("pk", flat=True)
    )
