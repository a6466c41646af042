"""Responses on an incident: every transition, every refusal, and what the timeline records."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents.models import IncidentEvent, Status
from templates.models import Response, ResponseStatus
from tests.factories import IncidentFactory, MembershipFactory, ResponseTemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(agency):
    return IncidentFactory(brand=agency.brand, status=Status.RESPONDING, title="Login outage")


def url(incident, rid: int | None = None, action: str = "") -> str:
    base = f"/api/v1/orgs/alpha/incidents/{incident.id}/responses/"
    if rid is not None:
        base += f"{rid}/"
    return base + (f"{action}/" if action else "")


def events(incident, kind: str) -> list[dict]:
    return list(
        IncidentEvent.objects.filter(incident=incident, kind=kind)
        .order_by("id")
        .values_list("payload", flat=True)
    )


def draft(client, incident, body: str = "We are on it.", channel: str = "x") -> dict:
    response = client.post(url(incident), {"channel": channel, "body": body}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def pending(as_role, incident, author: str = "responder") -> dict:
    created = draft(as_role(author), incident)
    response = as_role(author).post(url(incident, created["id"], "submit"))
    assert response.status_code == 200, response.json()
    return response.json()


def approved(as_role, incident) -> dict:
    submitted = pending(as_role, incident)
    response = as_role("manager").post(url(incident, submitted["id"], "approve"))
    assert response.status_code == 200, response.json()
    return response.json()


# Drafting


def test_a_responder_drafts_a_free_text_response(as_role, agency, incident) -> None:
    body = draft(as_role("responder"), incident, body="We see the problem and are fixing it.")

    assert (body["status"], body["channel"], body["length"], body["limit"]) == (
        "draft",
        "x",
        37,
        280,
    )
    assert body["author"] == {"id": agency.member("responder").id, "username": "alpha-responder"}
    assert (body["template"], body["template_version"], body["html"]) == (None, None, None)
    assert events(incident, "response_drafted") == [
        {
            "response": body["id"],
            "channel": "x",
            "author": agency.member("responder").id,
            "author_name": "alpha-responder",
            "template": None,
            "template_version": None,
            "length": 37,
        }
    ]


def test_a_response_from_a_template_keeps_its_version(as_role, agency, incident) -> None:
    template = ResponseTemplateFactory(
        organisation=agency.org,
        body="{{ brand }}: {{ incident_title }}. {{ topic }}",
        variables=["topic"],
    )
    created = as_role("responder").post(
        url(incident), {"template": template.id, "variables": {"topic": "Sorry."}}, format="json"
    )
    as_role("manager").patch(
        f"/api/v1/orgs/alpha/templates/{template.id}/",
        {"body": "New wording {{ topic }}"},
        format="json",
    )

    body = as_role("viewer").get(url(incident, created.json()["id"])).json()
    assert created.status_code == 201
    assert body["body"] == "alpha brand: Login outage. Sorry."
    assert (body["template"], body["template_version"]) == (template.id, 1)
    assert body["variables"] == {"topic": "Sorry."}
    assert events(incident, "response_drafted")[0]["template_version"] == 1


def test_html_channels_show_an_escaped_html_rendering(as_role, incident) -> None:
    body = draft(as_role("responder"), incident, body="Hi <script>x</script>", channel="email")

    assert body["html"] == "<p>Hi &lt;script&gt;x&lt;/script&gt;</p>"


def test_a_text_over_the_channel_limit_is_refused_with_length_and_limit(as_role, incident) -> None:
    response = as_role("responder").post(
        url(incident), {"channel": "sms", "body": "я" * 161}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["length"], body["limit"]) == (161, 160)
    assert body["errors"] == {"body": ["The text is 161 characters; sms allows 160."]}
    assert not Response.objects.exists()
    assert events(incident, "response_drafted") == []


def test_a_template_rendering_over_the_limit_is_refused(as_role, agency, incident) -> None:
    template = ResponseTemplateFactory(organisation=agency.org, channel="x")

    response = as_role("responder").post(
        url(incident), {"template": template.id, "variables": {"topic": "x" * 300}}, format="json"
    )

    assert response.status_code == 400
    assert (response.json()["length"], response.json()["limit"]) == (341, 280)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"channel": "x"}, "body"),
        ({"body": "text"}, "channel"),
        ({"channel": "x", "body": "   "}, "body"),
        ({"channel": "fax", "body": "text"}, "channel"),
        ({"channel": "x", "body": "t", "variables": {"a": "b"}}, "variables"),
    ],
)
def test_malformed_drafts_are_refused(as_role, incident, payload, field) -> None:
    response = as_role("responder").post(url(incident), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_template_variables_are_checked_when_drafting(as_role, agency, incident) -> None:
    template = ResponseTemplateFactory(organisation=agency.org)

    response = as_role("responder").post(
        url(incident), {"template": template.id, "variables": {"extra": "x"}}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["variables"] == [
        "Missing value for topic.",
        "Unknown variable extra.",
    ]


def test_an_inactive_or_other_brand_template_is_refused(as_role, agency, incident) -> None:
    inactive = ResponseTemplateFactory(organisation=agency.org)
    inactive.active = False
    inactive.save()
    other_brand = ResponseTemplateFactory(organisation=agency.org, brand=agency.other_brand)

    for template in (inactive, other_brand):
        response = as_role("responder").post(
            url(incident), {"template": template.id, "variables": {"topic": "t"}}, format="json"
        )
        assert response.status_code == 400
        assert "template" in response.json()["errors"]


def test_viewers_cannot_draft(as_role, incident) -> None:
    response = as_role("viewer").post(url(incident), {"channel": "x", "body": "b"}, format="json")

    assert response.status_code == 403


def test_a_closed_incident_takes_no_new_responses(as_role, agency) -> None:
    closed = IncidentFactory(brand=agency.brand, status=Status.CLOSED)

    response = as_role("responder").post(url(closed), {"channel": "x", "body": "b"}, format="json")

    assert response.status_code == 409


# Editing and discarding


def test_only_the_author_or_a_manager_edits_a_draft(as_role, agency, incident) -> None:
    created = draft(as_role("responder"), incident)
    colleague = MembershipFactory(organisation=agency.org, role="responder")
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(colleague.user)

    refused = other.patch(url(incident, created["id"]), {"body": "mine"}, format="json")
    by_author = as_role("responder").patch(
        url(incident, created["id"]), {"body": "v2"}, format="json"
    )
    by_manager = as_role("manager").patch(
        url(incident, created["id"]), {"body": "v3"}, format="json"
    )

    assert refused.status_code == 403
    assert (by_author.json()["body"], by_manager.json()["body"]) == ("v2", "v3")
    assert events(incident, "response_drafted")[1:] == []  # editing a draft is not an event


def test_a_submitted_response_cannot_be_edited_or_deleted(as_role, incident) -> None:
    submitted = pending(as_role, incident)

    edit = as_role("responder").patch(url(incident, submitted["id"]), {"body": "x"}, format="json")
    delete = as_role("manager").delete(url(incident, submitted["id"]))

    assert (edit.status_code, delete.status_code) == (409, 409)
    assert edit.json()["status"] == "pending_approval"


def test_a_draft_is_discarded_with_an_event(as_role, agency, incident) -> None:
    created = draft(as_role("responder"), incident)

    response = as_role("responder").delete(url(incident, created["id"]))

    assert response.status_code == 204
    assert not Response.objects.exists()
    assert events(incident, "response_deleted")[0]["response"] == created["id"]


# Submission


def test_the_author_submits_and_the_approval_clock_starts(as_role, agency, incident) -> None:
    created = draft(as_role("responder"), incident)

    response = as_role("responder").post(url(incident, created["id"], "submit"))

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "pending_approval"
    assert body["submitted_at"] is not None
    [event] = events(incident, "response_submitted")
    assert event["response"] == created["id"]
    assert parse_datetime(event["submitted_at"]) == parse_datetime(body["submitted_at"])
    assert event["requires_client_approval"] is False


def test_submitting_twice_or_by_someone_else_is_refused(as_role, agency, incident) -> None:
    submitted = pending(as_role, incident)
    created = draft(as_role("responder"), incident)

    again = as_role("responder").post(url(incident, submitted["id"], "submit"))
    by_viewer = as_role("viewer").post(url(incident, created["id"], "submit"))

    assert again.status_code == 409
    assert again.json()["status"] == "pending_approval"
    assert by_viewer.status_code == 403
    assert len(events(incident, "response_submitted")) == 1


# Approval


def test_a_manager_approves_and_the_wait_is_recorded(as_role, agency, incident) -> None:
    submitted = pending(as_role, incident)

    response = as_role("manager").post(url(incident, submitted["id"], "approve"))

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "approved"
    assert body["approved_by"]["username"] == "alpha-manager"
    assert body["client_approval_pending"] is False
    [event] = events(incident, "response_approved")
    stored = Response.objects.get()
    assert event["approved_by"] == agency.member("manager").id
    assert event["waited_seconds"] == int(
        (stored.approved_at - stored.submitted_at).total_seconds()
    )
    assert parse_datetime(event["approved_at"]) == stored.approved_at
    assert event["client_approval_pending"] is False


def test_nobody_approves_their_own_response(as_role, incident) -> None:
    submitted = pending(as_role, incident, author="manager")

    response = as_role("manager").post(url(incident, submitted["id"], "approve"))

    assert response.status_code == 403
    assert response.json()["detail"] == "You cannot approve a response you wrote."
    assert Response.objects.get().status == ResponseStatus.PENDING_APPROVAL
    assert events(incident, "response_approved") == []


def test_an_owner_approves_a_managers_response(as_role, incident) -> None:
    submitted = pending(as_role, incident, author="manager")

    response = as_role("owner").post(url(incident, submitted["id"], "approve"))

    assert response.json()["status"] == "approved"


@pytest.mark.parametrize("role", ["responder", "viewer"])
def test_responders_and_viewers_cannot_approve(as_role, incident, role) -> None:
    submitted = pending(as_role, incident, author="manager")

    response = as_role(role).post(url(incident, submitted["id"], "approve"))

    assert response.status_code == 403
    assert Response.objects.get().status == ResponseStatus.PENDING_APPROVAL


def test_only_a_pending_response_can_be_approved(as_role, incident) -> None:
    created = draft(as_role("responder"), incident)
    done = approved(as_role, incident)

    assert as_role("manager").post(url(incident, created["id"], "approve")).status_code == 409
    assert as_role("owner").post(url(incident, done["id"], "approve")).status_code == 409
    assert len(events(incident, "response_approved")) == 1


# Rejection


def test_a_rejection_needs_a_reason_and_goes_back_to_draft_on_edit(as_role, incident) -> None:
    submitted = pending(as_role, incident)
    rid = submitted["id"]

    no_reason = as_role("manager").post(
        url(incident, rid, "reject"), {"reason": " "}, format="json"
    )
    rejected = as_role("manager").post(
        url(incident, rid, "reject"), {"reason": "Too defensive."}, format="json"
    )
    resubmit_unchanged = as_role("responder").post(url(incident, rid, "submit"))
    edited = as_role("responder").patch(
        url(incident, rid), {"body": "We are sorry."}, format="json"
    )
    resubmitted = as_role("responder").post(url(incident, rid, "submit"))

    assert no_reason.status_code == 400
    assert (rejected.json()["status"], rejected.json()["rejected_reason"]) == (
        "rejected",
        "Too defensive.",
    )
    assert resubmit_unchanged.status_code == 409
    assert edited.json()["status"] == "draft"
    assert resubmitted.json()["status"] == "pending_approval"
    assert resubmitted.json()["rejected_reason"] == ""
    [event] = events(incident, "response_rejected")
    assert (event["reason"], event["by_client"], event["response"]) == (
        "Too defensive.",
        False,
        rid,
    )
    assert event["waited_seconds"] >= 0
    assert events(incident, "response_drafted")[-1]["redraft"] is True


def test_responders_cannot_reject(as_role, incident) -> None:
    submitted = pending(as_role, incident, author="manager")

    response = as_role("responder").post(
        url(incident, submitted["id"], "reject"), {"reason": "no"}, format="json"
    )

    assert response.status_code == 403


def test_only_a_pending_response_can_be_rejected(as_role, incident) -> None:
    created = draft(as_role("responder"), incident)

    response = as_role("manager").post(
        url(incident, created["id"], "reject"), {"reason": "no"}, format="json"
    )

    assert response.status_code == 409


# Publication


def test_publishing_records_where_and_sets_first_response_at(as_role, agency, incident) -> None:
    ready = approved(as_role, incident)

    response = as_role("responder").post(
        url(incident, ready["id"], "publish"),
        {"url": "https://x.com/alpha/status/1"},
        format="json",
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["published_url"]) == ("published", "https://x.com/alpha/status/1")
    incident.refresh_from_db()
    assert incident.first_response_at == parse_datetime(body["published_at"])
    [event] = events(incident, "response_published")
    assert event["url"] == "https://x.com/alpha/status/1"
    assert event["first_response"] is True
    assert parse_datetime(event["published_at"]) == incident.first_response_at


def test_first_response_at_is_set_exactly_once(as_role, incident) -> None:
    first = approved(as_role, incident)
    second = approved(as_role, incident)
    earlier = timezone.now() - timedelta(seconds=1)
    as_role("responder").post(
        url(incident, first["id"], "publish"), {"url": "https://vk.com/a"}, format="json"
    )
    incident.refresh_from_db()
    recorded = incident.first_response_at

    as_role("responder").post(
        url(incident, second["id"], "publish"), {"url": "https://vk.com/b"}, format="json"
    )

    incident.refresh_from_db()
    assert incident.first_response_at == recorded
    assert recorded >= earlier
    assert [e["first_response"] for e in events(incident, "response_published")] == [True, False]


def test_publishing_a_response_that_is_not_approved_is_refused(as_role, incident) -> None:
    created = draft(as_role("responder"), incident)
    submitted = pending(as_role, incident)

    for rid in (created["id"], submitted["id"]):
        response = as_role("manager").post(
            url(incident, rid, "publish"), {"url": "https://vk.com/x"}, format="json"
        )
        assert response.status_code == 409
    incident.refresh_from_db()
    assert incident.first_response_at is None


def test_a_published_response_is_not_published_again(as_role, incident) -> None:
    ready = approved(as_role, incident)
    publish = url(incident, ready["id"], "publish")
    as_role("responder").post(publish, {"url": "https://vk.com/a"}, format="json")

    again = as_role("responder").post(publish, {"url": "https://vk.com/b"}, format="json")

    assert again.status_code == 409
    assert Response.objects.get().published_url == "https://vk.com/a"


@pytest.mark.parametrize(
    "payload",
    [
        {"url": "not a url"},
        {"url": "https://vk.com/a", "published_at": "2999-01-01T00:00:00Z"},
        {"url": "https://vk.com/a", "published_at": "2001-01-01T00:00:00Z"},
    ],
)
def test_a_bad_url_or_publication_time_is_refused(as_role, incident, payload) -> None:
    ready = approved(as_role, incident)

    response = as_role("responder").post(
        url(incident, ready["id"], "publish"), payload, format="json"
    )

    assert response.status_code == 400
    assert Response.objects.get().status == ResponseStatus.APPROVED


def test_viewers_cannot_publish(as_role, incident) -> None:
    ready = approved(as_role, incident)

    response = as_role("viewer").post(
        url(incident, ready["id"], "publish"), {"url": "https://vk.com/a"}, format="json"
    )

    assert response.status_code == 403


# Client approval


@pytest.fixture
def client_brand(agency):
    agency.brand.require_client_approval = True
    agency.brand.save()
    return agency.brand


@pytest.fixture
def client_approver(agency, client_brand):
    member = MembershipFactory(
        organisation=agency.org, role="viewer", is_client_approver=True, user__username="client"
    )
    member.brands.set([client_brand])
    return member


def test_a_client_brand_needs_the_clients_approval_after_the_agencys(
    as_role, api, agency, incident, client_approver
) -> None:
    submitted = pending(as_role, incident)
    rid = submitted["id"]
    client = api(client_approver.user)

    too_early = client.post(url(incident, rid, "approve"))
    by_agency = as_role("manager").post(url(incident, rid, "approve")).json()
    publish_early = as_role("responder").post(
        url(incident, rid, "publish"), {"url": "https://vk.com/a"}, format="json"
    )
    by_client = client.post(url(incident, rid, "approve")).json()

    assert too_early.status_code == 409
    assert (by_agency["status"], by_agency["client_approval_pending"]) == (
        "pending_approval",
        True,
    )
    assert publish_early.status_code == 409
    assert by_client["status"] == "approved"
    assert by_client["client_approved_by"]["username"] == "client"
    assert events(incident, "response_submitted")[0]["requires_client_approval"] is True
    assert events(incident, "response_approved")[0]["client_approval_pending"] is True
    [event] = events(incident, "response_client_approved")
    stored = Response.objects.get()
    assert event["client_approved_by"] == client_approver.id
    assert event["waited_seconds"] == int(
        (stored.client_approved_at - stored.approved_at).total_seconds()
    )
    assert event["total_waited_seconds"] == int(
        (stored.client_approved_at - stored.submitted_at).total_seconds()
    )


def test_only_the_brands_client_approver_gives_the_second_approval(
    as_role, api, agency, incident, client_approver
) -> None:
    submitted = pending(as_role, incident)
    rid = submitted["id"]
    as_role("manager").post(url(incident, rid, "approve"))
    unflagged = MembershipFactory(organisation=agency.org, role="viewer")
    unflagged.brands.set([agency.brand])
    elsewhere = MembershipFactory(organisation=agency.org, role="viewer", is_client_approver=True)
    elsewhere.brands.set([agency.other_brand])

    by_owner = as_role("owner").post(url(incident, rid, "approve"))
    by_unflagged = api(unflagged.user).post(url(incident, rid, "approve"))
    by_elsewhere = api(elsewhere.user).post(url(incident, rid, "approve"))

    assert by_owner.status_code == 403  # the agency's approval is in; the client's is missing
    assert by_unflagged.status_code == 403
    assert by_elsewhere.status_code == 404  # cannot even see the incident
    assert Response.objects.get().status == ResponseStatus.PENDING_APPROVAL


def test_the_client_may_reject(as_role, api, incident, client_approver) -> None:
    submitted = pending(as_role, incident)
    as_role("manager").post(url(incident, submitted["id"], "approve"))

    response = api(client_approver.user).post(
        url(incident, submitted["id"], "reject"), {"reason": "Not our tone."}, format="json"
    )

    assert response.json()["status"] == "rejected"
    assert events(incident, "response_rejected")[0]["by_client"] is True


def test_a_client_approver_is_no_approver_where_the_brand_does_not_require_it(
    as_role, api, agency, incident
) -> None:
    member = MembershipFactory(organisation=agency.org, role="viewer", is_client_approver=True)
    member.brands.set([agency.brand])
    submitted = pending(as_role, incident)

    response = api(member.user).post(url(incident, submitted["id"], "approve"))

    assert response.status_code == 403


# Tenancy and query counts


def test_another_agency_gets_404_on_every_response_endpoint(
    api, as_role, incident, outsider
) -> None:
    ready = approved(as_role, incident)
    client = api(outsider.member("owner").user)

    for slug in ("alpha", "omega"):
        base = f"/api/v1/orgs/{slug}/incidents/{incident.id}/responses/"
        detail = f"{base}{ready['id']}/"
        assert client.get(base).status_code == 404
        assert client.post(base, {"channel": "x", "body": "b"}, format="json").status_code == 404
        assert client.get(detail).status_code == 404
        assert client.patch(detail, {"body": "b"}, format="json").status_code == 404
        assert client.delete(detail).status_code == 404
        for action in ("submit", "approve", "reject", "publish"):
            response = client.post(f"{detail}{action}/", {"reason": "r", "url": "https://a.b"})
            assert response.status_code == 404
    assert Response.objects.get().status == ResponseStatus.APPROVED
    assert Response.objects.count() == 1


def test_brand_limited_members_see_only_their_brands_responses(api, as_role, agency) -> None:
    theirs = IncidentFactory(brand=agency.other_brand)
    ready = draft(as_role("responder"), theirs)
    limited = MembershipFactory(organisation=agency.org, role="manager")
    limited.brands.set([agency.brand])
    client = api(limited.user)

    assert client.get(url(theirs)).status_code == 404
    assert client.get(url(theirs, ready["id"])).status_code == 404
    assert client.post(url(theirs), {"channel": "x", "body": "b"}, format="json").status_code == 404


def test_list_query_count_does_not_grow_with_responses(
    as_role, incident, django_assert_max_num_queries
) -> None:
    client = as_role("viewer")
    approved(as_role, incident)
    with django_assert_max_num_queries(10) as few:
        client.get(url(incident))
    baseline = len(few.captured_queries)  # read now: each request resets the query log
    for _ in range(10):
        approved(as_role, incident)
        pending(as_role, incident)

    with django_assert_max_num_queries(baseline):
        response = client.get(url(incident))

    assert len(response.json()["results"]) == 21


def test_approvals_are_audited(as_role, agency, incident) -> None:
    from tenants.models import AuditEntry

    response = approved(as_role, incident)
    entry = AuditEntry.objects.get(organisation=agency.org, action="response.approved")
    assert entry.actor == agency.member("manager").user
    assert str(response["id"]) in entry.target
