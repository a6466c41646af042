"""The post-mortem policies as a matrix: role x member kind x state x the member's relation
to it; and the services refuse exactly what the policies refuse."""

import itertools

import pytest
from django.db import transaction

from crisisdesk.core.exceptions import Conflict, Forbidden
from incidents.postmortems import policies, services
from incidents.postmortems.models import PostMortem, PostMortemStatus
from tenants.models import MemberKind, Membership, Role
from tests.factories import IncidentFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = (Role.OWNER, Role.MANAGER, Role.RESPONDER, Role.VIEWER)
KINDS = (MemberKind.AGENCY, MemberKind.CLIENT)
STATES = tuple(PostMortemStatus)
RELATIONS = ("author", "commander", "other", "no author")
RANK = {Role.OWNER: 4, Role.MANAGER: 3, Role.RESPONDER: 2, Role.VIEWER: 1}
MATRIX = [
    (role, kind, state, relation)
    for role, kind, state, relation in itertools.product(ROLES, KINDS, STATES, RELATIONS)
    if not (kind == MemberKind.CLIENT and role == Role.OWNER)  # a client is never an owner
]


def may_submit_expected(role: str, state: str, relation: str) -> bool:
    if state not in (PostMortemStatus.DRAFT, PostMortemStatus.CHANGES_REQUESTED):
        return False
    return relation in ("author", "commander") or (
        relation == "no author" and RANK[role] >= RANK[Role.RESPONDER]
    )


def may_review_expected(role: str, state: str, relation: str) -> bool:
    return (
        state == PostMortemStatus.IN_REVIEW
        and RANK[role] >= RANK[Role.MANAGER]
        and (relation != "author")
    )


def _case(agency, role: str, kind: str, state: str, relation: str) -> tuple[Membership, PostMortem]:
    member = MembershipFactory(organisation=agency.org, role=role, kind=kind)
    if kind == MemberKind.CLIENT:
        member.brands.set([agency.brand])
    someone = agency.member("responder")
    incident = IncidentFactory(
        brand=agency.brand,
        status="resolved",
        commander=member if relation == "commander" else someone,
    )
    author = {"author": member, "no author": None}.get(relation, someone)
    postmortem = PostMortem.objects.create(
        organisation=agency.org,
        incident=incident,
        status=state,
        author=author,
        summary="s",
        root_cause="r",
        lessons="l",
    )
    return member, postmortem


def _refused(call) -> type | None:
    """The refusal a service raises (nothing is kept either way)."""
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


@pytest.mark.parametrize(("role", "kind", "state", "relation"), MATRIX)
def test_the_matrix(agency, role, kind, state, relation) -> None:
    member, postmortem = _case(agency, role, kind, state, relation)

    assert policies.may_submit(member, postmortem) is may_submit_expected(role, state, relation)
    assert policies.may_review(member, postmortem) is may_review_expected(role, state, relation)
    assert policies.may_edit(member, postmortem) is (
        state in policies.EDITABLE and RANK[role] >= RANK[Role.RESPONDER]
    )


@pytest.mark.parametrize(
    ("role", "state", "relation"),
    [
        (role, state, relation)
        for role, state, relation in itertools.product(ROLES, STATES, RELATIONS)
        if role in (Role.MANAGER, Role.RESPONDER)
    ],
)
def test_the_services_refuse_what_the_policies_refuse(agency, role, state, relation) -> None:
    member, postmortem = _case(agency, role, MemberKind.AGENCY, state, relation)

    submit = _refused(lambda: services.postmortem_submit(postmortem=postmortem, by=member))
    approve = _refused(lambda: services.postmortem_approve(postmortem=postmortem, by=member))
    changes = _refused(
        lambda: services.postmortem_request_changes(
            postmortem=postmortem, by=member, comments="more"
        )
    )

    assert (submit is None) is policies.may_submit(member, postmortem)
    assert (approve is None) is policies.may_review(member, postmortem)
    assert changes == approve
    refusal = policies.submit_refusal(member, postmortem)
    assert submit == (type(refusal) if refusal is not None else None)


def test_an_author_is_told_why_not_to_review(agency) -> None:
    member, postmortem = _case(agency, Role.MANAGER, MemberKind.AGENCY, "in_review", "author")

    refusal = policies.review_refusal(member, postmortem)

    assert isinstance(refusal, Forbidden)
    assert refusal.message == "Nobody reviews their own post-mortem."


@pytest.mark.parametrize(("role", "kind"), list(itertools.product(ROLES, KINDS)))
def test_who_reviews_at_all_and_who_keeps_the_action_items(agency, role, kind) -> None:
    member = MembershipFactory(organisation=agency.org, role=role, kind=kind)
    if kind == MemberKind.CLIENT:
        member.brands.set([agency.brand])

    # The role part of review_refusal, and the dashboard's review queue.
    assert policies.may_review_postmortems(member) is (RANK[role] >= RANK[Role.MANAGER])
    assert policies.may_manage_items(member) is (
        RANK[role] >= RANK[Role.RESPONDER] and kind == MemberKind.AGENCY
    )
