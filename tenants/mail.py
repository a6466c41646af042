"""Emails to one person about their account (verification, password reset, invitations),
rendered in the recipient's language and sent by a task after the caller's transaction
commits, so that a rolled-back change mails no one."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from tenants.models import UserProfile


@shared_task(
    name="tenants.tasks.account_email_deliver",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def account_email_deliver(to: str, subject: str, body: str) -> int:
    """One account email (verification, reset, invitation), already rendered."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)


def language_of(user: AbstractBaseUser | None) -> str:
    """The user's chosen language, else the language of the current request, else the site's."""
    if user is not None and user.pk:
        chosen = UserProfile.objects.filter(user=user).values_list("language", flat=True).first()
        if chosen:
            return chosen
    return translation.get_language() or settings.LANGUAGE_CODE


def account_email_send(*, to: str, template: str, context: dict, language: str) -> None:
    """Render registration/<template>_subject.txt and _body.txt in `language` and send them
    to one address once the transaction commits (a Celery task, retried on SMTP errors)."""
    with translation.override(language):
        subject = " ".join(
            render_to_string(f"registration/{template}_subject.txt", context).split()
        )
        body = render_to_string(f"registration/{template}_body.txt", context)
    transaction.on_commit(lambda: account_email_deliver.delay(to, subject, body))
