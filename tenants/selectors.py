"""Read queries of tenants, scoped through `visible_to` (the organisation and, where limited,
its brands). Memberships are resolved by the door, `tenants.tenancy.resolve`."""

from django.contrib.auth.models import User
from django.db.models import Prefetch, Q, QuerySet

# Alike the model imports of tenants/services.py on purpose: a list of imported names, not logic.
from tenants.models import (
    AuditEntry,
    Brand,
    Invitation,
    MemberKind,
    Membership,
    Organisation,
    Team,
)


def organisation_list_for_user(*, user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user, deleted_at__isnull=True).order_by(
        "id"
    )


def organisation_get(*, membership: Membership) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk=membership.organisation_id)


def brand_list(*, membership: Membership) -> QuerySet[Brand]:
    return Brand.objects.visible_to(membership).prefetch_related(
        Prefetch("default_teams", queryset=Team.objects.only("id", "name"))
    )


def team_list(*, membership: Membership) -> QuerySet[Team]:
    return Team.objects.visible_to(membership).prefetch_related(
        Prefetch("members", queryset=Membership.objects.select_related("user"))
    )


def member_list(*, membership: Membership) -> QuerySet[Membership]:
    """The organisation's members; for client staff, only the people of their brands: the
    members limited to one of them, and the agency staff who serve every brand."""
    qs = Membership.objects.visible_to(membership)
    ids = membership.brand_limits()
    if membership.is_client and ids is not None:
        limits = Membership.brands.through.objects
        qs = qs.filter(
            ~Q(pk__in=limits.values("membership_id"))
            | Q(pk__in=limits.filter(brand_id__in=ids).values("membership_id"))
        )
    # One prefetch_related per Prefetch: the stubs type a call's Prefetches alike.
    return (
        qs.select_related("user")
        .prefetch_related(Prefetch("brands", queryset=Brand.objects.only("id", "slug")))
        .prefetch_related(Prefetch("teams", queryset=Team.objects.only("id", "name")))
    )


def staff_list(*, membership: Membership) -> QuerySet[Membership]:
    """The agency's own staff among the members: those who may join a team, command an
    incident or own an action item (client staff never do)."""
    return member_list(membership=membership).filter(kind=MemberKind.AGENCY)


def invitation_list(*, membership: Membership) -> QuerySet[Invitation]:
    return Invitation.objects.visible_to(membership).prefetch_related(
        Prefetch("brands", queryset=Brand.objects.only("id"))
    )


def audit_list(*, membership: Membership) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.visible_to(membership).select_related("actor")


def user_memberships(*, user: User) -> QuerySet[Membership]:
    """Every live organisation of the user (the switcher, the token's organisations): the
    user's own rows, across organisations by design."""
    return (
        Membership.objects.all_tenants()
        .filter(user=user, organisation__deleted_at__isnull=True)
        .select_related("organisation")
        .prefetch_related(Prefetch("brands", queryset=Brand.objects.only("id", "slug")))
        .order_by("organisation__name")
    )
