"""The post-mortem workflow: drafted when an incident resolves, written by the team,
submitted, reviewed by a manager who is not its author, approved (which closes the
incident). Every step is an event on the incident's timeline."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import DomainError
from crisisdesk.core.time import iso_z
from incidents import events
from incidents.models import Incident, Status
from incidents.notifications.models import Channel
from incidents.notifications.services import claim_once, notify
from incidents.postmortems import policies
from incidents.postmortems.models import ActionItem, ActionItemStatus, PostMortem, PostMortemStatus
from incidents.postmortems.selectors import postmortem_prefill
from incidents.services.lifecycle import event_record, incident_transition
from tenants.mail import language_of
from tenants.models import Membership

EDITABLE = policies.EDITABLE
WRITTEN_SECTIONS = ("summary", "impact", "root_cause", "went_well", "went_wrong", "lessons")


def postmortem_draft_for(*, incident: Incident) -> PostMortem:
    """Create the incident's draft with its prefill; at most one per incident.

    Runs inside the transaction that resolved the incident.
    """
    postmortem, created = PostMortem.objects.get_or_create(
        organisation_id=incident.organisation_id,
        incident=incident,
        defaults={
            "is_drill": incident.is_drill,
            "author": incident.commander,
            "prefill": postmortem_prefill(incident=incident),
        },
    )
    if created:
        event_record(
            incident=incident,
            kind=events.POSTMORTEM_DRAFTED,
            actor=None,
            payload={"postmortem": postmortem.id, "is_drill": incident.is_drill},
        )
    return postmortem


def _locked(postmortem: PostMortem) -> PostMortem:
    return (
        PostMortem.objects.select_for_update()
        .select_related("incident__organisation", "incident__brand")
        .get(organisation_id=postmortem.organisation_id, pk=postmortem.pk)
    )


def postmortem_update(*, postmortem: PostMortem, by: Membership, **sections: str) -> PostMortem:
    """Write the human sections. Refuses (409) once submitted, unless changes were requested.
    The first person to write becomes the author when the incident had no commander."""
    unknown = set(sections) - set(WRITTEN_SECTIONS)
    if unknown:
        raise DomainError(
            gettext_lazy("Unknown section: %(names)s."),
            params={"names": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    with transaction.atomic():
        locked = _locked(postmortem)
        if locked.status not in EDITABLE:
            raise policies.PostMortemLocked(locked, "edited")
        for name, value in sections.items():
            setattr(locked, name, value)
        if locked.author_id is None:
            locked.author = by
        locked.save()
    return locked


def postmortem_submit(*, postmortem: PostMortem, by: Membership) -> PostMortem:
    """Send for review: only its author or the incident's commander, from draft or changes
    requested. The prefill is recomputed so that late task completions count."""
    with transaction.atomic():
        locked = _locked(postmortem)
        refusal = policies.submit_refusal(by, locked)
        if refusal is not None:
            raise refusal
        if not (locked.summary.strip() and locked.root_cause.strip() and locked.lessons.strip()):
            raise DomainError(
                gettext_lazy("Write at least the summary, the root cause and the lessons."),
                field="summary",
            )
        if locked.author_id is None:
            locked.author = by
        locked.status = PostMortemStatus.IN_REVIEW
        locked.submitted_at = timezone.now()
        locked.prefill = postmortem_prefill(incident=locked.incident)
        # Alike postmortem_approve below on purpose: each step of the review sets its own
        # fields and records its own event kind.
        locked.save()
        event_record(
            incident=locked.incident,
            kind=events.POSTMORTEM_SUBMITTED,
            actor=by.user,
            payload={"postmortem": locked.id},
        )
    return locked


def _reviewer_check(postmortem: PostMortem, by: Membership) -> None:
    refusal = policies.review_refusal(by, postmortem)
    if refusal is not None:
        raise refusal


def postmortem_request_changes(
    *, postmortem: PostMortem, by: Membership, comments: str
) -> PostMortem:
    """Send it back with comments (a manager or owner who is not the author)."""
    comments = comments.strip()
    if not comments:
        raise DomainError(gettext_lazy("Say what should change."), field="comments")
    with transaction.atomic():
        locked = _locked(postmortem)
        _reviewer_check(locked, by)
        locked.status = PostMortemStatus.CHANGES_REQUESTED
        locked.review_comments = [
            *locked.review_comments,
            {
                "by": by.user.get_username(),
                "at": iso_z(timezone.now()),
                "text": comments,
            },
        ]
        locked.save()
        event_record(
            incident=locked.incident,
            kind=events.POSTMORTEM_CHANGES_REQUESTED,
            actor=by.user,
            payload={"postmortem": locked.id, "comments": comments},
        )
    return locked


def postmortem_approve(*, postmortem: PostMortem, by: Membership) -> PostMortem:
    """Approve (a manager or owner who is not the author); the incident is then closed."""
    with transaction.atomic():
        locked = _locked(postmortem)
        _reviewer_check(locked, by)
        locked.status = PostMortemStatus.APPROVED
        locked.approved_at = timezone.now()
        locked.approved_by = by
        # Alike templates/services/responses.py:response_submit on purpose: its own step's
        # fields and event (and only this one closes the incident).
        locked.save()
        event_record(
            incident=locked.incident,
            kind=events.POSTMORTEM_APPROVED,
            actor=by.user,
            payload={"postmortem": locked.id},
        )
        if locked.incident.status == Status.RESOLVED:
            incident_transition(
                incident=locked.incident,
                status=Status.CLOSED,
                by=by,
                allow_close=True,
            )
    return locked


# Alike tenants/services.py's client member checks on purpose: one rule each, each refused on
# its own field.
def _staff_owner(owner: Membership | None) -> None:
    """An action item is the agency's work: its owner is agency staff, never the client's."""
    if owner is not None and owner.is_client:
        raise DomainError(gettext_lazy("The owner must be agency staff."), field="owner")


def action_item_create(
    *,
    postmortem: PostMortem,
    title: str,
    owner: Membership | None = None,
    due_date: date | None = None,
) -> ActionItem:
    if owner is not None and owner.organisation_id != postmortem.organisation_id:
        raise DomainError(gettext_lazy("Owner not found."), field="owner")
    _staff_owner(owner)
    return ActionItem.objects.create(
        organisation_id=postmortem.organisation_id,
        postmortem=postmortem,
        title=title,
        owner=owner,
        due_date=due_date,
    )


def action_item_update(*, item: ActionItem, **fields: Any) -> ActionItem:
    """Edit an action item; moving it to done stamps completed_at."""
    owner = fields.get("owner")
    if owner is not None and owner.organisation_id != item.organisation_id:
        raise DomainError(gettext_lazy("Owner not found."), field="owner")
    _staff_owner(owner)
    status = fields.get("status")
    if status == ActionItemStatus.DONE and item.status != ActionItemStatus.DONE:
        fields["completed_at"] = timezone.now()
    elif status in (ActionItemStatus.OPEN, ActionItemStatus.DROPPED):
        fields["completed_at"] = None
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()
    return item


def action_item_delete(*, item: ActionItem) -> None:
    item.delete()


def _remind(*, organisation: Any, key: str, user: Any, subject: str, message: str) -> None:
    """One reminder email through the delivery path (retried, receipted, sent once per key),
    in the recipient's language; nothing when they have no address."""
    if user is None or not user.email:
        return
    with translation.override(language_of(user)):
        notify(
            organisation=organisation,
            channel=Channel.EMAIL,
            kind="postmortem.reminder",
            key=key,
            to=[user.email],
            subject=str(subject),
            message=str(message),
        )


def postmortem_reminders_send(*, now: Any = None) -> int:
    """Remind the commander of each incident resolved longer ago than the organisation's
    setting without a submitted post-mortem: at most once per incident per day, however
    often or concurrently this runs (the day is claimed with `claim_once`)."""
    from datetime import timedelta

    now = now or timezone.now()
    today = now.date()
    sent = 0
    candidates = (
        PostMortem.objects.filter(status__in=EDITABLE, incident__resolved_at__isnull=False)
        .exclude(last_reminded_on=today)
        .select_related("incident__organisation", "incident__commander__user")
    )
    for postmortem in candidates.iterator():
        incident = postmortem.incident
        if incident.resolved_at > now - timedelta(
            days=incident.organisation.postmortem_reminder_days
        ):
            continue
        key = f"postmortem-reminder:{postmortem.pk}:{today.isoformat()}"
        with transaction.atomic():
            if not claim_once(key):
                continue
            # Kept for the candidates' filter (and the admin): the claim is the receipt.
            PostMortem.objects.filter(pk=postmortem.pk).update(last_reminded_on=today)
            user = incident.commander.user if incident.commander else None
            # The commander's language (the brand's when they chose none), in the brand's time.
            reader = language_of(user, incident.brand.language)
            with translation.override(reader), timezone.override(incident.brand.time_zone):
                # Alike templates/services/approval.py's reminder on purpose: its own message.
                subject = _("[CrisisDesk] Post-mortem waiting: %(title)s") % {
                    "title": incident.title
                }
                message = _(
                    "Incident #%(id)s was resolved on %(date)s; its post-mortem has not been "
                    "submitted yet."
                ) % {
                    "id": incident.id,
                    "date": date_format(timezone.localtime(incident.resolved_at), "DATE_FORMAT"),
                }
            # Alike action_item_reminders_send on purpose: both send through _remind already;
            # what repeats is its argument list.
            _remind(
                organisation=incident.organisation,
                key=key,
                user=user,
                subject=subject,
                message=message,
            )
            sent += 1
    return sent


def action_item_reminders_send(*, now: Any = None) -> int:
    """Remind owners of overdue open action items, once per item per day (`claim_once`)."""
    now = now or timezone.now()
    today = now.date()
    sent = 0
    overdue = (
        ActionItem.objects.filter(
            status=ActionItemStatus.OPEN, due_date__lt=today, owner__isnull=False
        )
        .exclude(last_reminded_on=today)
        .select_related("owner__user", "organisation", "postmortem__incident__brand")
    )
    for item in overdue.iterator():
        key = f"action-item-reminder:{item.pk}:{today.isoformat()}"
        with transaction.atomic():
            if not claim_once(key):
                continue
            ActionItem.objects.filter(pk=item.pk).update(last_reminded_on=today)
            if item.owner is None or item.due_date is None:
                continue  # the query's filters: for the type checker
            user = item.owner.user
            brand = item.postmortem.incident.brand
            with translation.override(language_of(user, brand.language)):
                subject = _("[CrisisDesk] Action item overdue: %(title)s") % {"title": item.title}
                message = _("Due on %(date)s.") % {
                    "date": date_format(item.due_date, "DATE_FORMAT")
                }
            # Alike postmortem_reminders_send on purpose: both send through _remind already;
            # what repeats is its argument list.
            _remind(
                organisation=item.organisation,
                key=key,
                user=user,
                subject=subject,
                message=message,
            )
            sent += 1
    return sent
