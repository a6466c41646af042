"""The Celery app. Beat uses django-celery-beat's database scheduler (exactly one beat runs)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisisdesk.settings")

app = Celery("crisisdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
