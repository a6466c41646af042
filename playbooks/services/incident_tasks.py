"""A playbook applied to an incident becomes its task checklist; tasks are done and reopened.

Event payloads carry every figure a post-mortem needs (due and done times, lateness), since
the incidents app reads tasks only from the timeline.
"""

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict, DomainError, NotFound
from crisisdesk.core.time import iso_z
from incidents.models import Incident, Status
from incidents.services import event_record
from playbooks import events
from playbooks.models import AppliedPlaybook, IncidentTask, Playbook
from tenants.models import Membership


def _refuse_closed(incident: Incident) -> None:
    if incident.status == Status.CLOSED:
        raise Conflict(gettext_lazy("The incident is closed; its tasks can no longer change."))


def playbook_apply(*, incident: Incident, playbook: Playbook, by: Membership) -> list[IncidentTask]:
    """Create one task per step (due at the applied time plus the step's offset) and one
    `playbook_applied` event; set the incident's crisis type when it has none.

    Refuses (409) a playbook already applied to this incident (also when two applies race: the
    unique AppliedPlaybook row decides) and a closed incident; (400) an inactive playbook;
    (404) a playbook of another organisation.
    """
    if playbook.organisation_id != incident.organisation_id:
        raise NotFound(gettext_lazy("Playbook not found."), field="playbook")
    if not playbook.active:
        raise DomainError(gettext_lazy("This playbook is inactive."), field="playbook")
    already = Conflict(
        gettext_lazy("This playbook has already been applied to the incident."), field="playbook"
    )
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(
            organisation_id=incident.organisation_id, pk=incident.pk
        )
        _refuse_closed(locked)
        now = timezone.now()
        try:
            with transaction.atomic():
                AppliedPlaybook.objects.create(
                    organisation_id=locked.organisation_id,
                    incident=locked,
                    playbook=playbook,
                    applied_by=by.user,
                    applied_at=now,
                )
        except IntegrityError as exc:
            raise already from exc
        start = locked.tasks.aggregate(last=Max("position"))["last"] or 0
        tasks = IncidentTask.objects.bulk_create(
            [
                IncidentTask(
                    organisation_id=locked.organisation_id,
                    incident=locked,
                    playbook=playbook,
                    step=step,
                    position=start + index,
                    title=step.title,
                    guidance=step.guidance,
                    owner_team_id=step.owner_team_id,
                    owner_role=step.owner_role,
                    template_id=step.template_id,
                    due_at=now + timedelta(minutes=step.due_offset_minutes),
                )
                for index, step in enumerate(playbook.steps.order_by("position", "id"), start=1)
            ]
        )
        crisis_type_set = bool(
            Incident.objects.filter(
                organisation_id=locked.organisation_id, pk=locked.pk, crisis_type=""
            ).update(crisis_type=playbook.crisis_type, updated_at=now)
        )
        if crisis_type_set:
            locked.crisis_type = playbook.crisis_type
        event_record(
            incident=locked,
            kind=events.PLAYBOOK_APPLIED,
            actor=by.user,
            payload={
                "playbook": playbook.id,
                "name": playbook.name,
                "crisis_type": playbook.crisis_type,
                "language": playbook.language,
                "crisis_type_set": crisis_type_set,
                "applied_at": iso_z(now),
                "task_count": len(tasks),
                "tasks": [
                    {"task": t.id, "title": t.title, "due_at": iso_z(t.due_at)} for t in tasks
                ],
            },
        )
    return tasks


def _locked_task(task: IncidentTask) -> IncidentTask:
    return (
        IncidentTask.objects.select_for_update(of=("self",))
        .select_related("incident")
        .get(pk=task.pk)
    )


def _task_payload(task: IncidentTask) -> dict[str, Any]:
    return {
        "task": task.id,
        "title": task.title,
        "playbook": task.playbook_id,
        "position": task.position,
        "due_at": iso_z(task.due_at),
    }


# Alike task_reopen on purpose: completing and reopening are inverse writes, each with the
# event payload (lateness, previous completion) its own timeline sentence reads.
def task_complete(*, task: IncidentTask, by: Membership) -> IncidentTask:
    """Mark a task done now. Refuses (409) a task already done or a closed incident."""
    with transaction.atomic():
        locked = _locked_task(task)
        _refuse_closed(locked.incident)
        if locked.done_at is not None:
            raise Conflict(
                gettext_lazy("This task is already done."), done_at=iso_z(locked.done_at)
            )
        locked.done_at = timezone.now()
        locked.done_by = by
        locked.save(update_fields=["done_at", "done_by"])
        event_record(
            incident=locked.incident,
            kind=events.TASK_DONE,
            actor=by.user,
            payload={
                **_task_payload(locked),
                "done_at": iso_z(locked.done_at),
                "late": locked.late,
                "late_seconds": max(0, int((locked.done_at - locked.due_at).total_seconds())),
                "done_by": by.id,
            },
        )
    return locked


# Alike task_complete, task_assign and the response transitions on purpose: the same
# lock-check-save-record pattern of a status change, each with its own fields and event.
def task_reopen(*, task: IncidentTask, by: Membership) -> IncidentTask:
    """Undo a completion. Refuses (409) a task that is not done or a closed incident."""
    with transaction.atomic():
        locked = _locked_task(task)
        _refuse_closed(locked.incident)
        if locked.done_at is None:
            raise Conflict(gettext_lazy("This task is not done."))
        previous = locked.done_at
        locked.done_at = None
        locked.done_by = None
        locked.save(update_fields=["done_at", "done_by"])
        event_record(
            incident=locked.incident,
            kind=events.TASK_REOPENED,
            actor=by.user,
            payload={
                **_task_payload(locked),
                "done_at": None,
                "previous_done_at": iso_z(previous),
                # Reopened past its due time: the task is late again.
                "late": timezone.now() > locked.due_at,
                "reopened_by": by.id,
            },
        )
    return locked


def task_assign(
    *,
    task: IncidentTask,
    assignee: Membership | None,
    by: Membership,
) -> IncidentTask:
    """Give the task to a member (or to nobody).

    Refuses (404) a member of another organisation, (400) one whose brand limitation hides
    this incident, (409) a closed incident.
    """
    with transaction.atomic():
        locked = _locked_task(task)
        _refuse_closed(locked.incident)
        if assignee is not None:
            if assignee.organisation_id != locked.organisation_id:
                raise NotFound(gettext_lazy("Member not found."), field="assignee")
            if not assignee.sees_brand(locked.incident.brand_id):
                raise DomainError(
                    gettext_lazy("This member cannot see the incident's brand."), field="assignee"
                )
        previous = locked.assignee_id
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        # Alike task_reopen and responses.response_publish on purpose: its own event and payload.
        event_record(
            incident=locked.incident,
            kind=events.TASK_ASSIGNED,
            actor=by.user,
            payload={
                **_task_payload(locked),
                "assignee": assignee.id if assignee is not None else None,
                "assignee_name": assignee.user.get_username() if assignee is not None else None,
                "previous_assignee": previous,
            },
        )
    return locked
