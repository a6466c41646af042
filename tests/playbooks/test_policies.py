"""The playbook policies, role x member kind x incident state."""

import itertools

import pytest

from incidents.models import Status
from playbooks import policies
from tenants.models import MemberKind, Role
from tests.factories import IncidentFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = (Role.OWNER, Role.MANAGER, Role.RESPONDER, Role.VIEWER)


@pytest.mark.parametrize(
    ("role", "kind", "state"),
    [
        (role, kind, state)
        for role, kind, state in itertools.product(ROLES, MemberKind, Status)
        if not (kind == MemberKind.CLIENT and role == Role.OWNER)
    ],
)
def test_the_matrix(agency, role, kind, state) -> None:
    member = MembershipFactory(organisation=agency.org, role=role, kind=kind)
    if kind == MemberKind.CLIENT:
        member.brands.set([agency.brand])
    incident = IncidentFactory(brand=agency.brand, status=state)

    agency_staff = kind == MemberKind.AGENCY
    assert policies.may_manage_playbooks(member) is (
        role in (Role.OWNER, Role.MANAGER) and agency_staff
    )
    assert policies.may_work_tasks(member, incident) is (
        role != Role.VIEWER and agency_staff and state != Status.CLOSED
    )
