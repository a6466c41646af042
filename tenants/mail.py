"""Emails to one person about their account (verification, password reset, invitations),
rendered in the recipient's language and sent by a task after the caller's transaction
commits, so that a rolled-back change mails no one."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from tenants.models import Membership, UserProfile


@shared_task(
    name="tenants.tasks.account_email_deliver",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    # At most 30 s: a longer countdown would outlive the Redis visibility timeout (50 s) and
    # the email be sent twice (crisisdesk/settings.py); 12 retries cover about 5 minutes.
    retry_backoff_max=30,
    max_retries=12,
)
def account_email_deliver(to: str, subject: str, body: str) -> int:
    """One account email (verification, reset, invitation), already rendered."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)


def language_of(user: User | None, default: str | None = None) -> str:
    """The language a person reads their mail in: the one chosen in their profile, else
    `default` (the brand's or the organisation's, for mail sent by a task), else the language
    of the current request, else the site's."""
    if user is not None and user.pk:
        chosen = UserProfile.objects.filter(user=user).values_list("language", flat=True).first()
        if chosen:
            return chosen
    return default or translation.get_language() or settings.LANGUAGE_CODE


def emails_by_language(members: QuerySet[Membership], *, default: str) -> dict[str, list[str]]:
    """The members' email addresses grouped by the language each reads (their profile's, else
    `default`): one mail per language, each rendered under translation.override. Members
    without an address are left out; the order is the queryset's."""
    groups: dict[str, list[str]] = {}
    rows = members.exclude(user__email="").values_list("user__email", "user__profile__language")
    for email, language in rows:
        addresses = groups.setdefault(language or default, [])
        if email not in addresses:
            addresses.append(email)
    return groups


def account_email_send(*, to: str, template: str, context: dict, language: str) -> None:
    """Render registration/<template>_subject.txt and _body.txt in `language` and send them
    to one address once the transaction commits (a Celery task, retried on SMTP errors)."""
    with translation.override(language):
        subject = " ".join(
            render_to_string(f"registration/{template}_subject.txt", context).split()
        )
        body = render_to_string(f"registration/{template}_body.txt", context)
    transaction.on_commit(lambda: account_email_deliver.delay(to, subject, body))
