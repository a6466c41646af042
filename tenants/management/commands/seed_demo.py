from django.core.management.base import BaseCommand

from tenants.demo import DEMO_CLIENT, DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo agency, its brands, teams, one user per role and sample data (idempotent)."
    )

    def handle(self, *args: object, **options: object) -> None:
        organisation = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo agency ready: /o/{organisation.slug}/"))
        client_username, client_brand = DEMO_CLIENT
        for username, role, _email in DEMO_USERS:
            if username == client_username:
                where = f"client staff of {client_brand}: /c/{organisation.slug}/"
                self.stdout.write(f"  {'client':<10} {username} / {DEMO_PASSWORD}  ({where})")
            else:
                self.stdout.write(f"  {role:<10} {username} / {DEMO_PASSWORD}")
