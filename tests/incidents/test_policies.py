"""The incidents app's policies (monitoring, notifications, analytics), role x member kind,
and the brand reports' rule x the brand (one of the member's, another)."""

import itertools

import pytest

from incidents import policies
from tenants.models import MemberKind, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = (Role.OWNER, Role.MANAGER, Role.RESPONDER, Role.VIEWER)
# Every pair, the client owner too: the services never make one, the rules refuse it anyway.
EVERY = list(itertools.product(ROLES, MemberKind))
MANAGERS = (Role.OWNER, Role.MANAGER)


def _member(agency, role, kind):
    member = MembershipFactory(organisation=agency.org, role=role, kind=kind)
    if kind == MemberKind.CLIENT:
        member.brands.set([agency.brand])
    return member


@pytest.mark.parametrize(("role", "kind"), EVERY)
def test_the_matrix(agency, role, kind) -> None:
    member = _member(agency, role, kind)
    agency_staff = kind == MemberKind.AGENCY

    assert policies.may_manage_monitoring(member) is (role in MANAGERS and agency_staff)
    assert policies.may_manage_escalation(member) is (role in MANAGERS and agency_staff)
    assert policies.may_label(member) is (role != Role.VIEWER and agency_staff)
    assert policies.may_import(member) is (role != Role.VIEWER and agency_staff)
    # The chat refuses what the web and the API refuse: client staff work no incident.
    assert policies.may_act_from_chat(member) is (role != Role.VIEWER and agency_staff)


@pytest.mark.parametrize(
    ("role", "kind", "brand"), list(itertools.product(ROLES, MemberKind, (0, 1)))
)
def test_who_reads_a_brand_s_reports(agency, outsider, role, kind, brand) -> None:
    member = _member(agency, role, kind)
    own = (agency.brand, agency.other_brand)[brand]

    # The agency's managers and owners read every brand's; client staff their own brands'.
    expected = role in MANAGERS if kind == MemberKind.AGENCY else own == agency.brand
    assert policies.may_read_reports(member, own) is expected
    # Another organisation's brand: nobody.
    assert policies.may_read_reports(member, outsider.brand) is False


def test_a_brand_limited_agency_manager_reads_only_their_brands(agency) -> None:
    member = _member(agency, Role.MANAGER, MemberKind.AGENCY)
    member.brands.set([agency.brand])
    member.brand_limits_load()

    assert policies.may_read_reports(member, agency.brand) is True
    assert policies.may_read_reports(member, agency.other_brand) is False
