"""The response policies as a matrix (role x member kind x state x authorship), and the
client approver rule; the response services refuse what the policies refuse."""

import itertools

import pytest
from django.db import transaction

from crisisdesk.core.exceptions import Conflict, Forbidden
from incidents.models import Status as IncidentStatus
from templates import policies
from templates.models import Response, ResponseStatus
from templates.services import responses
from tenants.models import MemberKind, Role
from tests.factories import IncidentFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = (Role.OWNER, Role.MANAGER, Role.RESPONDER, Role.VIEWER)
KINDS = (MemberKind.AGENCY, MemberKind.CLIENT)
MATRIX = [
    (role, kind, state, mine)
    for role, kind, state, mine in itertools.product(ROLES, KINDS, ResponseStatus, (True, False))
    if not (kind == MemberKind.CLIENT and role == Role.OWNER)
]
MANAGERS = (Role.OWNER, Role.MANAGER)


def _member(agency, role, kind, *, approver=False, brands=None):
    member = MembershipFactory(
        organisation=agency.org, role=role, kind=kind, is_client_approver=approver
    )
    if brands is not None:
        member.brands.set(brands)
    return member


def _response(agency, author, state) -> Response:
    incident = IncidentFactory(brand=agency.brand, status="responding")
    return Response.objects.create(
        organisation=agency.org,
        incident=incident,
        channel="x",
        body="Мы разбираемся.",
        status=state,
        author=author,
    )


@pytest.mark.parametrize(("role", "kind", "state", "mine"), MATRIX)
def test_the_matrix(agency, role, kind, state, mine) -> None:
    brands = [agency.brand] if kind == MemberKind.CLIENT else None
    member = _member(agency, role, kind, brands=brands)
    response = _response(agency, member if mine else agency.member("responder"), state)

    may_edit = mine or role in MANAGERS
    assert policies.may_edit_response(member, response) is may_edit
    assert policies.may_change_draft(member, response) is (
        may_edit and state in (ResponseStatus.DRAFT, ResponseStatus.REJECTED)
    )
    assert policies.may_submit_response(member, response) is (
        may_edit and state == ResponseStatus.DRAFT
    )


@pytest.mark.parametrize(
    ("kind", "approver", "limited_to", "expected"),
    [
        (MemberKind.CLIENT, True, "this brand", True),
        (MemberKind.CLIENT, True, "another brand", False),
        (MemberKind.CLIENT, False, "this brand", False),
        (MemberKind.AGENCY, True, None, False),  # sees every brand: not the client's own
        (MemberKind.AGENCY, True, "this brand", True),
    ],
)
def test_the_client_approver(agency, kind, approver, limited_to, expected) -> None:
    brands = {"this brand": [agency.brand], "another brand": [agency.other_brand]}.get(limited_to)
    member = _member(agency, Role.VIEWER, kind, approver=approver, brands=brands)

    assert policies.is_client_approver(member, agency.brand.id) is expected


def _refused(call) -> type | None:
    try:
        with transaction.atomic():
            call()
            raise _Undo
    except _Undo:
        return None
    except (Forbidden, Conflict) as exc:
        return type(exc)


class _Undo(Exception):
    pass


@pytest.mark.parametrize(
    ("role", "mine"), list(itertools.product((Role.MANAGER, Role.RESPONDER), (True, False)))
)
def test_the_services_refuse_whom_the_policy_refuses(agency, role, mine) -> None:
    member = _member(agency, role, MemberKind.AGENCY)
    response = _response(agency, member if mine else agency.member("viewer"), "draft")

    refused = _refused(lambda: responses.response_submit(response=response, by=member))

    assert (refused is None) is policies.may_submit_response(member, response)


APPROVAL_STATES = [
    # (status, approved by: None | "someone" | "me"), the brand requiring client approval
    (status, approved, requires)
    for status in (ResponseStatus.PENDING_APPROVAL, ResponseStatus.DRAFT, ResponseStatus.APPROVED)
    for approved in (None, "someone", "me")
    for requires in (True, False)
]


@pytest.mark.parametrize(
    ("role", "kind", "approver", "mine"),
    [
        (Role.MANAGER, MemberKind.AGENCY, False, False),
        (Role.MANAGER, MemberKind.AGENCY, False, True),
        (Role.RESPONDER, MemberKind.AGENCY, False, False),
        (Role.VIEWER, MemberKind.CLIENT, True, False),
        (Role.VIEWER, MemberKind.CLIENT, False, False),
        (Role.MANAGER, MemberKind.AGENCY, True, False),
    ],
)
@pytest.mark.parametrize(("status", "approved", "requires"), APPROVAL_STATES)
def test_the_approval_service_refuses_what_the_policy_refuses(
    agency, role, kind, approver, mine, status, approved, requires
) -> None:
    from templates.services.approval import response_approve

    agency.brand.require_client_approval = requires
    agency.brand.save(update_fields=["require_client_approval"])
    member = _member(
        agency,
        role,
        kind,
        approver=approver,
        brands=[agency.brand] if kind == MemberKind.CLIENT or approver else None,
    )
    response = _response(agency, member if mine else agency.member("responder"), status)
    if approved is not None:
        response.approved_by = member if approved == "me" else agency.member("owner")
        response.save(update_fields=["approved_by"])

    refusal = policies.approve_refusal(member, response, agency.brand)
    refused = _refused(lambda: response_approve(response=response, by=member))

    assert refused == (type(refusal) if refusal is not None else None)
    if kind == MemberKind.CLIENT and approver and approved is None and requires:
        assert isinstance(refusal, Conflict)  # the agency approves first


EVERY = list(itertools.product(ROLES, KINDS))  # the client owner too: the rules refuse it anyway


@pytest.mark.parametrize(("role", "kind"), EVERY)
def test_the_role_rules(agency, role, kind) -> None:
    member = _member(
        agency, role, kind, brands=[agency.brand] if kind == MemberKind.CLIENT else None
    )

    agency_manager = role in MANAGERS and kind == MemberKind.AGENCY
    assert policies.may_manage_templates(member) is agency_manager
    # A client manager never approves as the agency, nor publishes the agency's statement.
    assert policies.is_agency_approver(member) is agency_manager
    assert policies.may_publish_statement(member) is agency_manager


@pytest.mark.parametrize(
    ("role", "kind", "state"), list(itertools.product(ROLES, KINDS, IncidentStatus))
)
def test_who_writes_responses_in_the_room(agency, role, kind, state) -> None:
    member = _member(
        agency, role, kind, brands=[agency.brand] if kind == MemberKind.CLIENT else None
    )
    incident = IncidentFactory(brand=agency.brand, status=state)

    assert policies.may_work_responses(member, incident) is (
        role != Role.VIEWER and kind == MemberKind.AGENCY and state != IncidentStatus.CLOSED
    )


@pytest.mark.parametrize(
    ("role", "kind", "state"), list(itertools.product(ROLES, KINDS, ResponseStatus))
)
def test_who_records_a_publication(agency, role, kind, state) -> None:
    member = _member(
        agency, role, kind, brands=[agency.brand] if kind == MemberKind.CLIENT else None
    )
    response = _response(agency, agency.member("responder"), state)

    assert policies.may_publish_response(member, response) is (
        role != Role.VIEWER and kind == MemberKind.AGENCY and state == ResponseStatus.APPROVED
    )


@pytest.mark.parametrize("role", [Role.MANAGER, Role.RESPONDER])
def test_the_statement_service_refuses_whom_the_policy_refuses(agency, role) -> None:
    from templates.services import statements

    member = agency.member(role)
    incident = IncidentFactory(brand=agency.brand, status="responding")

    refused = _refused(lambda: statements.statement_page_publish(incident=incident, by=member))

    assert (refused is None) is policies.may_publish_statement(member)


@pytest.mark.parametrize(
    ("role", "kind", "approver", "mine"),
    [
        (Role.OWNER, MemberKind.AGENCY, False, False),
        (Role.MANAGER, MemberKind.AGENCY, False, True),  # one's own: sent back too
        (Role.RESPONDER, MemberKind.AGENCY, False, False),
        (Role.VIEWER, MemberKind.AGENCY, False, False),
        (Role.MANAGER, MemberKind.CLIENT, False, False),
        (Role.VIEWER, MemberKind.CLIENT, True, False),
        (Role.VIEWER, MemberKind.CLIENT, False, False),
    ],
)
@pytest.mark.parametrize(("status", "approved", "requires"), APPROVAL_STATES)
def test_the_reject_service_refuses_what_the_policy_refuses(
    agency, role, kind, approver, mine, status, approved, requires
) -> None:
    from templates.services.approval import response_reject

    agency.brand.require_client_approval = requires
    agency.brand.save(update_fields=["require_client_approval"])
    brands = [agency.brand] if kind == MemberKind.CLIENT else None
    member = _member(agency, role, kind, approver=approver, brands=brands)
    response = _response(agency, member if mine else agency.member("responder"), status)
    if approved is not None:
        response.approved_by = member if approved == "me" else agency.member("owner")
        response.save(update_fields=["approved_by"])

    refusal = policies.reject_refusal(member, response, agency.brand)
    refused = _refused(lambda: response_reject(response=response, by=member, reason="No."))

    assert refused == (type(refusal) if refusal is not None else None)
    pending = status == ResponseStatus.PENDING_APPROVAL
    agency_manager = role in MANAGERS and kind == MemberKind.AGENCY
    assert policies.may_reject(member, response, agency.brand) is (
        pending and (agency_manager or (approver and requires))
    )
