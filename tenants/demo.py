"""The demo agency used by `manage.py seed_demo` and the default run."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from tenants import accounts, services
from tenants.models import Brand, MemberKind, Membership, Organisation, Role, Team

DEMO_PASSWORD = "crisisdesk-demo"
DEMO_ORG_SLUG = "demo"
DEMO_USERS = [
    ("demo-owner", Role.OWNER, "owner@demo.crisisdesk.local"),
    ("demo-manager", Role.MANAGER, "manager@demo.crisisdesk.local"),
    ("demo-responder", Role.RESPONDER, "responder@demo.crisisdesk.local"),
    ("demo-viewer", Role.VIEWER, "viewer@demo.crisisdesk.local"),
    ("demo-client", Role.VIEWER, "client@aurora-bank.example"),
]
# The client's own staff: Aurora Bank's approver, who signs in to the client portal (/c/demo/)
# and approves the bank's statements after the agency; never an agency page or note.
DEMO_CLIENT = ("demo-client", "aurora-bank")
DEMO_CLIENT_APPROVAL_BRANDS = {"aurora-bank"}
DEMO_BRANDS = [
    ("Северный кофе", "severny-kofe", ["ru"]),
    ("Aurora Bank", "aurora-bank", ["en", "ru"]),
    ("Volna Telecom", "volna-telecom", ["ru", "en"]),
]
DEMO_TEAMS = {"Social Care": ["demo-responder", "demo-viewer"], "Media Relations": ["demo-manager"]}

# Apps later in the dependency chain add their demo content (incidents, playbooks, …).
DEMO_STEPS = [
    "incidents.demo.seed",
    "incidents.monitoring.demo.seed",
    "playbooks.demo.seed",
    "incidents.postmortems.demo.seed",
    "incidents.analytics.demo.seed",
]


@transaction.atomic
def seed_demo() -> Organisation:
    """Create or complete the demo agency; running it again changes nothing."""
    User = get_user_model()
    users = {}
    for username, _role, email in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"email": email})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            # The demo does not require verification, even under EMAIL_VERIFICATION=mandatory.
            accounts.email_mark_verified(user=user)
        users[username] = user
    organisation = Organisation.objects.filter(slug=DEMO_ORG_SLUG).first()
    if organisation is None:
        organisation = services.organisation_create(
            by=users["demo-owner"], name="Demo Agency", slug=DEMO_ORG_SLUG
        )
    client_username, client_brand = DEMO_CLIENT
    for username, role, _email in DEMO_USERS:
        kind = MemberKind.CLIENT if username == client_username else MemberKind.AGENCY
        Membership.objects.get_or_create(
            user=users[username],
            organisation=organisation,
            defaults={"role": role, "kind": kind, "is_client_approver": kind == MemberKind.CLIENT},
        )
    teams = {}
    for name, members in DEMO_TEAMS.items():
        team, _ = Team.objects.get_or_create(organisation=organisation, name=name)
        team.members.add(
            *Membership.objects.filter(organisation=organisation, user__username__in=members)
        )
        teams[name] = team
    for name, slug, languages in DEMO_BRANDS:
        brand = Brand.objects.filter(organisation=organisation, slug=slug).first()
        if brand is None:
            brand, _secret = services.brand_create(
                organisation=organisation,
                name=name,
                slug=slug,
                languages=languages,
                require_client_approval=slug in DEMO_CLIENT_APPROVAL_BRANDS,
            )
            brand.default_teams.set(teams.values())
        if slug == client_brand:
            client = Membership.objects.get(organisation=organisation, user=users[client_username])
            if not client.brands.exists():
                client.brands.set([brand])
    if not organisation.invitations.exists():
        services.invitation_create(
            organisation=organisation,
            by=Membership.objects.get(organisation=organisation, user=users["demo-owner"]),
            email="new.colleague@demo.crisisdesk.local",
            role=Role.RESPONDER,
        )
    for step in DEMO_STEPS:
        import_string(step)(organisation=organisation, users=users, now=timezone.now())
    return organisation
