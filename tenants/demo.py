"""The demo agency used by `manage.py seed_demo` and the default run."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from tenants import accounts, services
from tenants.models import Brand, Membership, Organisation, Role, Team

DEMO_PASSWORD = "crisisdesk-demo"
DEMO_ORG_SLUG = "demo"
DEMO_USERS = [
    ("demo-owner", Role.OWNER, "owner@demo.crisisdesk.local"),
    ("demo-manager", Role.MANAGER, "manager@demo.crisisdesk.local"),
    ("demo-responder", Role.RESPONDER, "responder@demo.crisisdesk.local"),
    ("demo-viewer", Role.VIEWER, "viewer@demo.crisisdesk.local"),
]
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
            user=users["demo-owner"], name="Demo Agency", slug=DEMO_ORG_SLUG
        )
    for username, role, _email in DEMO_USERS:
        Membership.objects.get_or_create(
            user=users[username], organisation=organisation, defaults={"role": role}
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
                organisation=organisation, name=name, slug=slug, languages=languages
            )
            brand.default_teams.set(teams.values())
    if not organisation.invitations.exists():
        services.invitation_create(
            organisation=organisation,
            actor=users["demo-owner"],
            email="new.colleague@demo.crisisdesk.local",
            role=Role.RESPONDER,
        )
    for step in DEMO_STEPS:
        import_string(step)(organisation=organisation, users=users, now=timezone.now())
    return organisation
