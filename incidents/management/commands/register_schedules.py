from django.core.management.base import BaseCommand

from incidents.schedules import schedules_register


class Command(BaseCommand):
    help = "Create or update the periodic tasks in django-celery-beat (safe to run any number of times)."

    def handle(self, *args: object, **options: object) -> None:
        names = schedules_register()
        self.stdout.write(
            self.style.SUCCESS(f"{len(names)} periodic task(s) registered: {', '.join(names)}")
        )
