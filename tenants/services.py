"""Every write to tenants: organisations, brands, teams, members, invitations, tickets.

Org-scoped writes take the acting member as `by: Membership`. Acting before or outside any
organisation, `by: User`: organisation_create, invitation_accept, ws_ticket_issue.
"""

import hashlib
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from crisisdesk.core.client_ip import current_client_ip
from crisisdesk.core.exceptions import Conflict, DomainError, Forbidden, NotFound
from tenants import accounts
from tenants.live import access_changed
from tenants.models import (
    AuditEntry,
    Brand,
    Invitation,
    MemberKind,
    Membership,
    Organisation,
    Role,
    Team,
    WebSocketTicket,
    new_ingest_secret,
)
from tenants.scoping import objects_of


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def audit_record(
    *,
    organisation: Organisation,
    actor: User | None,
    action: str,
    target: str = "",
    payload: dict | None = None,
) -> AuditEntry:
    """Append one audit entry; callers run it inside their own transaction. The client
    address is the current request's, if a request is being served."""
    return AuditEntry.objects.create(
        organisation=organisation,
        actor=actor,
        action=action,
        target=target,
        payload=payload or {},
        ip_address=current_client_ip(),
    )


def user_register(*, username: str, email: str, password: str) -> User:
    """Create a user. The caller has validated the password against Django's validators."""
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError as exc:
        raise DomainError(
            gettext_lazy("A user with that username already exists."), field="username"
        ) from exc


def _unique_slug(model: type[Model], base: str, **scope: object) -> str:
    base = (slugify(base) or "org")[:50]
    slug, n = base, 2
    while objects_of(model).filter(slug=slug, **scope).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def organisation_create(*, by: User, name: str, slug: str | None = None) -> Organisation:
    """Create an agency with its creator as owner, then run the setup hooks (starter library).

    Refuses a slug that is taken (400 on field slug), and a user whose email is not verified
    when verification is mandatory (403, email_unverified).
    """
    accounts.organisation_create_allowed(user=by)
    with transaction.atomic():
        if slug:
            if Organisation.objects.filter(slug=slug).exists():
                raise DomainError(
                    gettext_lazy("An organisation with this slug already exists."), field="slug"
                )
        else:
            slug = _unique_slug(Organisation, name)
        organisation = Organisation.objects.create(name=name, slug=slug)
        Membership.objects.create(user=by, organisation=organisation, role=Role.OWNER)
        audit_record(organisation=organisation, actor=by, action="organisation.created")
        # Other apps add their starter content here without tenants importing them.
        for path in getattr(settings, "ORGANISATION_SETUP_HOOKS", []):
            import_string(path)(organisation=organisation)
    return organisation


def organisation_update(
    *, organisation: Organisation, by: Membership, **fields: object
) -> Organisation:
    """Change name, SLA targets or settings; the slug stays (it is in every URL)."""
    for name, value in fields.items():
        setattr(organisation, name, value)
    with transaction.atomic():
        organisation.save(update_fields=list(fields))
        audit_record(
            organisation=organisation,
            actor=by.user,
            action="organisation.updated",
            payload={"fields": sorted(fields)},
        )
    return organisation


def organisation_rotate_webhook_secret(*, organisation: Organisation, by: Membership) -> str:
    """Replace the webhook signing secret; deliveries from now on are signed with the new one.
    Returns it: it is shown this once."""
    organisation.webhook_secret = new_ingest_secret()
    with transaction.atomic():
        organisation.save(update_fields=["webhook_secret"])
        audit_record(
            organisation=organisation, actor=by.user, action="organisation.webhook_secret_rotated"
        )
    return organisation.webhook_secret


def brand_create(
    *,
    organisation: Organisation,
    name: str,
    slug: str | None = None,
    languages: list[str] | None = None,
    default_teams: Iterable[Team] = (),
    require_client_approval: bool = False,
) -> tuple[Brand, str]:
    """Create a brand; returns it with its ingest secret, which is shown only this once."""
    with transaction.atomic():
        if slug:
            if Brand.objects.filter(organisation=organisation, slug=slug).exists():
                raise DomainError(
                    gettext_lazy("A brand with this slug already exists."), field="slug"
                )
        else:
            slug = _unique_slug(Brand, name, organisation=organisation)
        brand = Brand.objects.create(
            organisation=organisation,
            name=name,
            slug=slug,
            languages=languages or ["ru", "en"],
            require_client_approval=require_client_approval,
        )
        brand.default_teams.set(_own_teams(organisation, default_teams))
    return brand, brand.ingest_secret


def _own_teams(organisation: Organisation, teams: Iterable[Team]) -> list[Team]:
    teams = list(teams)
    if any(team.organisation_id != organisation.id for team in teams):
        raise NotFound(gettext_lazy("Team not found."), field="teams")
    return teams


def brand_update(
    *, brand: Brand, default_teams: Iterable[Team] | None = None, **fields: object
) -> Brand:
    """Update a brand; a new slug must stay unique within the organisation."""
    slug = fields.get("slug")
    if (
        slug
        and Brand.objects.filter(organisation_id=brand.organisation_id, slug=slug)
        .exclude(pk=brand.pk)
        .exists()
    ):
        raise DomainError(gettext_lazy("A brand with this slug already exists."), field="slug")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(brand, name, value)
        if fields:
            brand.save(update_fields=list(fields))
        if default_teams is not None:
            brand.default_teams.set(_own_teams(brand.organisation, default_teams))
    return brand


def brand_delete(*, brand: Brand, by: Membership) -> None:
    """Delete a brand that has no incidents; one with a history is refused (409), since its
    timeline is an audit record."""
    with transaction.atomic():
        if brand.incidents.exists():
            raise Conflict(
                gettext_lazy("This brand has incidents; their timeline cannot be deleted.")
            )
        audit_record(
            organisation=brand.organisation,
            actor=by.user,
            action="brand.deleted",
            target=brand.slug,
        )
        brand.delete()


def brand_rotate_secret(*, brand: Brand, by: Membership) -> str:
    """Replace the ingest secret; the old one stops verifying at once."""
    brand.ingest_secret = new_ingest_secret()
    with transaction.atomic():
        brand.save(update_fields=["ingest_secret"])
        audit_record(
            organisation=brand.organisation,
            actor=by.user,
            action="brand.secret_rotated",
            target=brand.slug,
        )
    return brand.ingest_secret


def team_create(
    *, organisation: Organisation, name: str, members: Iterable[Membership] = ()
) -> Team:
    if Team.objects.filter(organisation=organisation, name=name).exists():
        raise DomainError(gettext_lazy("A team with this name already exists."), field="name")
    with transaction.atomic():
        team = Team.objects.create(organisation=organisation, name=name)
        team.members.set(_own_members(organisation, members))
        access_changed(
            organisation_id=organisation.id,
            user_ids=team.members.values_list("user_id", flat=True),
        )
    return team


def _own_members(organisation: Organisation, members: Iterable[Membership]) -> list[Membership]:
    """The organisation's agency staff among `members`: client staff never join a team (a
    team's members are called by escalation and see its incidents of every brand)."""
    members = list(members)
    if any(m.organisation_id != organisation.id for m in members):
        raise NotFound(gettext_lazy("Member not found."), field="members")
    if any(m.is_client for m in members):
        raise DomainError(gettext_lazy("Client staff cannot join an agency team."), field="members")
    return members


def team_update(
    *, team: Team, name: str | None = None, members: Iterable[Membership] | None = None
) -> Team:
    with transaction.atomic():
        if name is not None and name != team.name:
            if Team.objects.filter(organisation_id=team.organisation_id, name=name).exists():
                raise DomainError(
                    gettext_lazy("A team with this name already exists."), field="name"
                )
            team.name = name
            team.save(update_fields=["name"])
        if members is not None:
            before = set(team.members.values_list("user_id", flat=True))
            team.members.set(_own_members(team.organisation, members))
            after = set(team.members.values_list("user_id", flat=True))
            access_changed(organisation_id=team.organisation_id, user_ids=before ^ after)
    return team


def team_delete(*, team: Team) -> None:
    with transaction.atomic():
        user_ids = list(team.members.values_list("user_id", flat=True))
        team.delete()
        access_changed(organisation_id=team.organisation_id, user_ids=user_ids)


def team_member_add(*, team: Team, membership: Membership) -> None:
    _own_members(team.organisation, [membership])
    with transaction.atomic():
        team.members.add(membership)
        access_changed(organisation_id=team.organisation_id, user_ids=[membership.user_id])


def team_member_remove(*, team: Team, membership: Membership) -> None:
    with transaction.atomic():
        team.members.remove(membership)
        access_changed(organisation_id=team.organisation_id, user_ids=[membership.user_id])


def _lock_owners(organisation: Organisation) -> list[Membership]:
    # Lock every owner row so that two owners demoting each other at once cannot
    # both succeed and leave the organisation with none.
    return list(
        Membership.objects.select_for_update().filter(organisation=organisation, role=Role.OWNER)
    )


def _check_kind(*, kind: str, role: str, has_brands: bool) -> None:
    """A client member always has at least one brand and never owns the agency."""
    if kind == MemberKind.CLIENT:
        if not has_brands:
            raise DomainError(
                gettext_lazy("A client member needs at least one brand."), field="brands"
            )
        if role == Role.OWNER:
            raise DomainError(gettext_lazy("A client member cannot be an owner."), field="role")


def membership_update(
    *,
    membership: Membership,
    by: Membership,
    role: str | None = None,
    kind: str | None = None,
    brands: Iterable[Brand] | None = None,
    is_client_approver: bool | None = None,
) -> Membership:
    """Change a member's role, kind (agency or client staff), brand limitation or
    client-approver flag.

    Refuses (409) to demote the organisation's last owner, (400) a client member without a
    brand and (400) a client owner.
    """
    with transaction.atomic():
        owners = _lock_owners(membership.organisation)
        changes: dict[str, object] = {}
        if role is not None and role != membership.role:
            if membership.role == Role.OWNER and len(owners) <= 1:
                raise Conflict(gettext_lazy("The last owner cannot be demoted."), field="role")
            changes["role"] = [membership.role, role]
            membership.role = role
        if kind is not None and kind != membership.kind:
            changes["kind"] = [membership.kind, kind]
            membership.kind = kind
        if is_client_approver is not None:
            membership.is_client_approver = is_client_approver
            changes["is_client_approver"] = is_client_approver
        if brands is not None:
            brands = list(brands)
            if any(b.organisation_id != membership.organisation_id for b in brands):
                raise NotFound(gettext_lazy("Brand not found."), field="brands")
        _check_kind(
            kind=membership.kind,
            role=membership.role,
            has_brands=bool(brands) if brands is not None else membership.brands.exists(),
        )
        membership.save()
        if membership.is_client:
            # Client staff are in no agency team (_own_members): a member turned client leaves them.
            membership.teams.clear()
        if brands is not None:
            membership.brands.set(brands)
            changes["brands"] = sorted(b.slug for b in brands)
        audit_record(
            organisation=membership.organisation,
            actor=by.user,
            action="membership.changed",
            target=membership.user.get_username(),
            payload=changes,
        )
        access_changed(organisation_id=membership.organisation_id, user_ids=[membership.user_id])
    return membership


def membership_remove(*, membership: Membership, by: Membership) -> None:
    """Remove a member. Refuses (409) to remove the last owner."""
    with transaction.atomic():
        owners = _lock_owners(membership.organisation)
        if membership.role == Role.OWNER and len(owners) <= 1:
            raise Conflict(gettext_lazy("The last owner cannot be removed."))
        audit_record(
            organisation=membership.organisation,
            actor=by.user,
            action="membership.removed",
            target=membership.user.get_username(),
            payload={"role": membership.role},
        )
        membership.delete()
        access_changed(organisation_id=membership.organisation_id, user_ids=[membership.user_id])


def _invitation_mail(*, invitation: Invitation, token: str, by: Membership, link_base: str) -> None:
    link = (link_base or settings.PUBLIC_BASE_URL).rstrip("/") + reverse(
        "web:invitation-accept", args=[token]
    )
    accounts.account_email_send(
        to=invitation.email,
        template="invitation",
        context={
            "organisation": invitation.organisation,
            "inviter": by.user.get_username(),
            "role": Role(invitation.role).label,
            "link": link,
            "expires_at": invitation.expires_at,
        },
        # The invitee's own language when they already have an account with this address,
        # else the inviter's (the organisation has none of its own).
        language=accounts.language_of(
            User.objects.filter(email__iexact=invitation.email, is_active=True).first(),
            accounts.language_of(by.user),
        ),
    )


def invitation_create(
    *,
    organisation: Organisation,
    by: Membership,
    email: str,
    role: str,
    kind: str = MemberKind.AGENCY,
    brands: Iterable[Brand] = (),
    link_base: str = "",
) -> tuple[Invitation, str]:
    """Invite someone by email as agency or client staff, limited to `brands` (a client
    invitation names at least one): the accept link is mailed to them (after commit), and
    the single-use token is returned to the inviter, this once. `link_base` is the site's
    address the link starts with (the request's; PUBLIC_BASE_URL otherwise)."""
    brands = list(brands)
    if any(b.organisation_id != organisation.id for b in brands):
        raise NotFound(gettext_lazy("Brand not found."), field="brands")
    _check_kind(kind=kind, role=role, has_brands=bool(brands))
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email.strip().lower(),
            role=role,
            kind=kind,
            token_hash=token_hash(token),
            invited_by=by.user,
            expires_at=timezone.now() + settings.INVITATION_TTL,
        )
        invitation.brands.set(brands)
        audit_record(
            organisation=organisation,
            actor=by.user,
            action="invitation.created",
            target=invitation.email,
            payload={"role": role, "kind": kind, "brands": sorted(b.slug for b in brands)},
        )
        _invitation_mail(invitation=invitation, token=token, by=by, link_base=link_base)
    return invitation, token


def invitation_resend(
    *, invitation: Invitation, by: Membership, link_base: str = ""
) -> tuple[Invitation, str]:
    """Mail a pending invitation again with a new token and a new expiry; the old token
    stops working. Refuses (409) an invitation that was accepted."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .get(organisation_id=invitation.organisation_id, pk=invitation.pk)
        )
        if locked.accepted_at is not None:
            raise Conflict(gettext_lazy("This invitation has already been used."))
        locked.token_hash = token_hash(token)
        locked.expires_at = timezone.now() + settings.INVITATION_TTL
        locked.save(update_fields=["token_hash", "expires_at"])
        audit_record(
            organisation=locked.organisation,
            actor=by.user,
            action="invitation.resent",
            target=locked.email,
        )
        _invitation_mail(invitation=locked, token=token, by=by, link_base=link_base)
    return locked, token


def invitation_accept(*, token: str, by: User) -> Membership:
    """Join the organisation as the invited role.

    Refuses: an unknown token (404), a used one or an expired one (409), a user whose
    email is not the invited one (403), and a user who is already a member (409).
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.all_tenants()  # the token names the invitation
            .select_for_update()
            .select_related("organisation")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if invitation is None:
            raise NotFound(gettext_lazy("Invitation not found."))
        if invitation.accepted_at is not None:
            raise Conflict(gettext_lazy("This invitation has already been used."))
        if invitation.expires_at <= timezone.now():
            raise Conflict(gettext_lazy("This invitation has expired."))
        if (by.email or "").strip().lower() != invitation.email:
            raise Forbidden(gettext_lazy("This invitation was sent to another email address."))
        if Membership.objects.filter(organisation=invitation.organisation, user=by).exists():
            raise Conflict(gettext_lazy("You are already a member of this organisation."))
        membership = Membership.objects.create(
            user=by,
            organisation=invitation.organisation,
            role=invitation.role,
            kind=invitation.kind,
        )
        membership.brands.set(invitation.brands.all())
        # The invitation was mailed to this address: accepting it proves the address.
        accounts.email_mark_verified(user=by)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = by
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            organisation=invitation.organisation,
            actor=by,
            action="invitation.accepted",
            target=invitation.email,
            payload={"role": invitation.role},
        )
    return membership


def ws_ticket_issue(*, by: User) -> str:
    """A single-use ticket for the WebSocket, valid for settings.WS_TICKET_TTL."""
    token = secrets.token_urlsafe(32)
    WebSocketTicket.objects.create(
        user=by, token_hash=token_hash(token), expires_at=timezone.now() + settings.WS_TICKET_TTL
    )
    return token


def ws_ticket_redeem(*, token: str) -> User | None:
    """The ticket's user, or None when unknown, used or expired. Redeems at most once."""
    now = timezone.now()
    # One conditional UPDATE: two sockets racing with the same ticket cannot both win.
    claimed = WebSocketTicket.objects.filter(
        token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if claimed != 1:
        return None
    ticket = WebSocketTicket.objects.select_related("user").get(token_hash=token_hash(token))
    return ticket.user if ticket.user.is_active else None
