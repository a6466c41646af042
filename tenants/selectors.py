"""Read queries of tenants, scoped to one organisation and, where limited, to its brands."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from tenants.models import AuditEntry, Brand, Invitation, Membership, Organisation, Team


def membership_for(*, user: AbstractBaseUser, org_slug: str) -> Membership | None:
    """The user's membership of the organisation with this slug, or None (→ 404)."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("organisation", "user")
        .filter(user=user, organisation__slug=org_slug, organisation__deleted_at__isnull=True)
        .first()
    )
    if membership is not None:
        # One query now saves one per check later: scoping reads it on every request.
        membership.limited_brand_ids = list(membership.brands.values_list("id", flat=True))
    return membership


def limited_brand_ids(membership: Membership) -> list[int] | None:
    """The brands a limited member may see, or None for the whole organisation."""
    ids = getattr(membership, "limited_brand_ids", None)
    if ids is None:
        ids = list(membership.brands.values_list("id", flat=True))
        membership.limited_brand_ids = ids
    return ids or None


def organisation_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user, deleted_at__isnull=True).order_by(
        "id"
    )


def organisation_get(*, membership: Membership) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk=membership.organisation_id)


def brand_list(*, membership: Membership) -> QuerySet[Brand]:
    qs = Brand.objects.filter(organisation_id=membership.organisation_id).prefetch_related(
        Prefetch("default_teams", queryset=Team.objects.only("id", "name"))
    )
    ids = limited_brand_ids(membership)
    if ids is not None:
        qs = qs.filter(id__in=ids)
    return qs


def team_list(*, membership: Membership) -> QuerySet[Team]:
    return Team.objects.filter(organisation_id=membership.organisation_id).prefetch_related(
        Prefetch("members", queryset=Membership.objects.select_related("user"))
    )


def member_list(*, membership: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id)
        .select_related("user")
        .prefetch_related(
            Prefetch("brands", queryset=Brand.objects.only("id", "slug")),
            Prefetch("teams", queryset=Team.objects.only("id", "name")),
        )
    )


def invitation_list(*, membership: Membership) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organisation_id=membership.organisation_id)


def audit_list(*, membership: Membership) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(organisation_id=membership.organisation_id).select_related(
        "actor"
    )


def user_memberships(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, organisation__deleted_at__isnull=True)
        .select_related("organisation")
        .prefetch_related(Prefetch("brands", queryset=Brand.objects.only("id", "slug")))
        .order_by("organisation__name")
    )


def team_ids_of(*, membership: Membership) -> list[int]:
    return list(membership.teams.values_list("id", flat=True))
