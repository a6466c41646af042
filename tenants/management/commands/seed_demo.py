from django.core.management.base import BaseCommand

from tenants.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo agency, its brands, teams, one user per role and sample data (idempotent)."
    )

    def handle(self, *args: object, **options: object) -> None:
        organisation = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo agency ready: /o/{organisation.slug}/"))
        for username, role, _email in DEMO_USERS:
            self.stdout.write(f"  {role:<10} {username} / {DEMO_PASSWORD}")
