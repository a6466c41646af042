"""The public statement page of an incident and its email subscribers.

A manager opts an incident in (a page with an unguessable token) and may withdraw it at any
time. Anyone may subscribe by email: a confirmation link (a signed token) must be followed
first (double opt-in), every mail carries a one-click unsubscribe (RFC 8058 List-Unsubscribe
header and a link). A newly published statement mails the confirmed subscribers of a live page
through the one email path of incidents.notifications (sent once per statement and address).
"""

import secrets
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict, DomainError, Forbidden
from incidents.models import Incident
from incidents.notifications.models import Channel
from incidents.notifications.services import notify
from templates.models import Response, ResponseStatus, StatementPage, StatementSubscriber
from templates.policies import may_publish_statement
from tenants.models import Membership

CONFIRM_SALT = "crisisdesk.statements.confirm"
UNSUBSCRIBE_SALT = "crisisdesk.statements.unsubscribe"
# A confirmation link is good for a week; an unsubscribe link for as long as the address is on.
CONFIRM_MAX_AGE = 7 * 24 * 3600


def _page_locked(incident: Incident) -> StatementPage | None:
    """The incident's statement page row, locked; None if it never had one."""
    return (
        StatementPage.objects.select_for_update()
        .filter(organisation_id=incident.organisation_id, incident=incident)
        .first()
    )


def statement_page_publish(*, incident: Incident, by: Membership) -> StatementPage:
    """Open the incident's public statement page (managers and up). Already live: the same page.
    Withdrawn before: a new token, so that an old address stays dead."""
    if not may_publish_statement(by):
        raise Forbidden(gettext_lazy("Only a manager can publish a statement page."))
    now = timezone.now()
    with transaction.atomic():
        page = _page_locked(incident)
        if page is not None and page.is_live:
            return page
        if page is None:
            page = StatementPage(organisation_id=incident.organisation_id, incident=incident)
        page.token = secrets.token_urlsafe(32)
        page.created_by = by.user
        page.published_at, page.withdrawn_at = now, None
        page.save()
    return page


def statement_page_withdraw(*, incident: Incident, by: Membership) -> StatementPage:
    """Take the page down (managers and up): its URLs answer 404 and no subscriber is mailed
    again. Refuses (409) a page that is not live."""
    if not may_publish_statement(by):
        raise Forbidden(gettext_lazy("Only a manager can withdraw a statement page."))
    with transaction.atomic():
        page = _page_locked(incident)
        if page is None or not page.is_live:
            raise Conflict(gettext_lazy("This incident has no public statement page."))
        page.withdrawn_at = timezone.now()
        page.save(update_fields=["withdrawn_at"])
    return page


def statement_page_of(*, incident: Incident) -> StatementPage | None:
    """The incident's live page, for its managers."""
    return StatementPage.objects.filter(
        organisation_id=incident.organisation_id, incident=incident, withdrawn_at__isnull=True
    ).first()


def statement_page_live(*, token: str) -> StatementPage | None:
    """The live page of a token, with its incident and brand; None for unknown or withdrawn."""
    return (
        StatementPage.objects.select_related("incident__brand", "incident__organisation")
        .filter(token=token, withdrawn_at__isnull=True)
        .first()
    )


def statements_published(*, page: StatementPage) -> QuerySet[Response]:
    """The brand's published statements of the page's incident, oldest first."""
    return Response.objects.filter(
        organisation_id=page.organisation_id,
        incident_id=page.incident_id,
        status=ResponseStatus.PUBLISHED,
    ).order_by("published_at", "id")


def page_last_modified(*, page: StatementPage) -> datetime:
    """What the public page shows last changed: the page, a statement or the incident's status."""
    times = [page.published_at]
    latest = statements_published(page=page).order_by("-published_at").first()
    if latest is not None and latest.published_at:
        times.append(latest.published_at)
    incident = page.incident
    times += [t for t in (incident.acknowledged_at, incident.resolved_at) if t]
    status_event = (
        incident.events.filter(
            organisation_id=incident.organisation_id, kind__in=["status_changed", "acknowledged"]
        )
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    if status_event:
        times.append(status_event)
    return max(times)


def _link(name: str, token: str, signed: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        name, kwargs={"token": token, "signed": signed}
    )


def unsubscribe_link(subscriber: StatementSubscriber) -> str:
    signed = signing.dumps({"s": subscriber.pk}, salt=UNSUBSCRIBE_SALT)
    return _link("web:statement-unsubscribe", subscriber.page.token, signed)


def statement_subscribe(*, page: StatementPage, email: str, language: str) -> StatementSubscriber:
    """Ask to follow a live page: mails a confirmation link, nothing else until it is followed.
    Subscribing again (confirmed or not) mails a fresh link; the answer is the same either way,
    so the page never tells whether an address is already on it."""
    email = email.strip().lower()
    try:
        validate_email(email)  # Django's own rule: "a@b" or "a@b." is refused, 254 at most
    except ValidationError as exc:
        raise DomainError(gettext_lazy("Enter a valid email address."), field="email") from exc
    with transaction.atomic():
        try:
            with transaction.atomic():
                subscriber = StatementSubscriber.objects.create(
                    organisation_id=page.organisation_id, page=page, email=email, language=language
                )
        except IntegrityError:
            subscriber = StatementSubscriber.objects.get(page=page, email=email)
            subscriber.unsubscribed_at = None
            subscriber.language = language
            subscriber.save(update_fields=["unsubscribed_at", "language"])
        signed = signing.dumps({"s": subscriber.pk, "e": email}, salt=CONFIRM_SALT)
        link = _link("web:statement-confirm", page.token, signed)
        brand = page.incident.brand
        with translation.override(language):
            subject = _("Confirm your subscription to statements from %(brand)s") % {
                "brand": brand.name
            }
            message = _(
                "Someone, hopefully you, asked to receive by email the statements %(brand)s "
                "publishes about this incident.\n\nConfirm with this link:\n%(link)s\n\n"
                "If it was not you, ignore this message: nothing will be sent."
            ) % {"brand": brand.name, "link": link}
        notify(
            organisation=page.incident.organisation,
            channel=Channel.EMAIL,
            kind="statement.confirm",
            to=[email],
            subject=subject,
            message=message,
            key=f"statement-confirm:{subscriber.pk}:{secrets.token_hex(8)}",
        )
    return subscriber


def _subscriber_from(
    signed: str, *, page: StatementPage, salt: str, max_age: int | None
) -> StatementSubscriber:
    try:
        data = signing.loads(signed, salt=salt, max_age=max_age)
    except signing.BadSignature as exc:
        raise DomainError(gettext_lazy("This link is not valid or has expired.")) from exc
    subscriber = StatementSubscriber.objects.filter(pk=data.get("s"), page=page).first()
    if subscriber is None or ("e" in data and data["e"] != subscriber.email):
        raise DomainError(gettext_lazy("This link is not valid or has expired."))
    return subscriber


def statement_subscription_confirm(*, page: StatementPage, signed: str) -> StatementSubscriber:
    """Follow a confirmation link: the address is mailed new statements from now on."""
    subscriber = _subscriber_from(signed, page=page, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    if subscriber.confirmed_at is None or subscriber.unsubscribed_at is not None:
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscriber


def statement_unsubscribe_link(*, page: StatementPage, signed: str) -> StatementSubscriber:
    """Check an unsubscribe link without acting on it (the page's button asks first); refuses
    a forged, foreign or mangled link as `statement_unsubscribe` would."""
    return _subscriber_from(signed, page=page, salt=UNSUBSCRIBE_SALT, max_age=None)


def statement_unsubscribe(*, page: StatementPage, signed: str) -> StatementSubscriber:
    """One click: the address is never mailed again (until it subscribes and confirms anew)."""
    subscriber = _subscriber_from(signed, page=page, salt=UNSUBSCRIBE_SALT, max_age=None)
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber


def statement_published_notify(*, response: Response) -> int:
    """Mail a newly published statement to the confirmed subscribers of the incident's live
    page; call it inside the publishing transaction (the mails leave after commit, once per
    statement and address). Returns how many mails were queued."""
    page = StatementPage.objects.filter(
        organisation_id=response.organisation_id,
        incident_id=response.incident_id,
        withdrawn_at__isnull=True,
    ).first()
    if page is None:
        return 0
    incident = response.incident
    brand = incident.brand
    subscribers = page.subscribers.filter(
        confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).order_by("id")
    page_url = settings.PUBLIC_BASE_URL.rstrip("/") + page.path
    count = 0
    for subscriber in subscribers:
        unsubscribe = unsubscribe_link(subscriber)
        with translation.override(subscriber.language), timezone.override(brand.time_zone):
            when = timezone.localtime(response.published_at).strftime("%Y-%m-%d %H:%M")
            subject = _("New statement from %(brand)s") % {"brand": brand.name}
            message = _(
                "%(brand)s published a statement (%(when)s):\n\n%(body)s\n\n"
                "All statements: %(page)s\n\nUnsubscribe: %(unsubscribe)s"
            ) % {
                "brand": brand.name,
                "when": when,
                "body": response.body,
                "page": page_url,
                "unsubscribe": unsubscribe,
            }
        notify(
            organisation=incident.organisation,
            channel=Channel.EMAIL,
            kind="statement.published",
            to=[subscriber.email],
            subject=subject,
            message=message,
            key=f"statement:{response.pk}:{subscriber.pk}",
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        count += 1
    return count
