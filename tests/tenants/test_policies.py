"""The organisation-wide policies, role x member kind."""

import itertools

import pytest

from tenants import policies
from tenants.models import MemberKind, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "kind", "works", "manages", "sets_up"),
    [
        (Role.OWNER, MemberKind.AGENCY, True, True, True),
        (Role.MANAGER, MemberKind.AGENCY, True, True, True),
        (Role.RESPONDER, MemberKind.AGENCY, True, False, False),
        (Role.VIEWER, MemberKind.AGENCY, False, False, False),
        (Role.MANAGER, MemberKind.CLIENT, False, False, False),
        (Role.RESPONDER, MemberKind.CLIENT, False, False, False),
        (Role.VIEWER, MemberKind.CLIENT, False, False, False),
    ],
)
def test_the_matrix(agency, role, kind, works, manages, sets_up) -> None:
    member = MembershipFactory(organisation=agency.org, role=role, kind=kind)
    if kind == MemberKind.CLIENT:
        member.brands.set([agency.brand])

    assert policies.may_work(member) is works
    assert policies.may_manage(member) is manages
    assert policies.may_set_up(member) is sets_up


ROLES = (Role.OWNER, Role.MANAGER, Role.RESPONDER, Role.VIEWER)
# Every pair, the client owner too: the services never make one, the rules refuse it anyway.
EVERY = list(itertools.product(ROLES, MemberKind))


@pytest.mark.parametrize(("role", "kind"), EVERY)
def test_owning_the_agency_and_seeing_the_ingest_id(agency, role, kind) -> None:
    member = MembershipFactory(organisation=agency.org, role=role, kind=kind)
    if kind == MemberKind.CLIENT:
        member.brands.set([agency.brand])

    assert policies.may_own(member) is (role == Role.OWNER and kind == MemberKind.AGENCY)
    # The API shows a brand's ingest id to whom the brand page shows it: agency managers.
    assert policies.sees_ingest_id(member) is (
        role in (Role.OWNER, Role.MANAGER) and kind == MemberKind.AGENCY
    )
