"""The timeline event kinds the playbooks write, registered into the incident's kind registry
from PlaybooksConfig.ready (incidents never imports this app)."""

from collections.abc import Mapping
from typing import Any, TypedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from incidents.events import EventKind
from incidents.models import Visibility


class PlaybookAppliedPayload(TypedDict, total=False):
    playbook: int
    name: str
    crisis_type: str
    language: str
    crisis_type_set: bool
    applied_at: str
    task_count: int
    tasks: list[dict[str, Any]]  # {"task", "title", "due_at"}


class TaskPayload(TypedDict, total=False):
    task: int
    title: str
    playbook: int
    position: int
    due_at: str
    done_at: str | None
    late: bool
    late_seconds: int
    done_by: int
    previous_done_at: str | None
    reopened_by: int
    assignee: int | None
    assignee_name: str | None
    previous_assignee: int | None


def _playbook_applied(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    count = int(p.get("task_count", 0) or 0)
    return ngettext(
        "applied the playbook “%(name)s” (%(count)s task)",
        "applied the playbook “%(name)s” (%(count)s tasks)",
        count,
    ) % {"name": p.get("name", ""), "count": count}


def _task_done(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    sentence = _("completed the task “%(title)s”") % {"title": p.get("title", "")}
    return sentence + (" — " + _("late") if p.get("late") else "")


def _task_reopened(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    return _("reopened the task “%(title)s”") % {"title": p.get("title", "")}


def _task_assigned(p: Mapping[str, Any], teams: Mapping[int, str]) -> str:
    return _("assigned the task “%(title)s” to %(name)s") % {
        "title": p.get("title", ""),
        "name": p.get("assignee_name") or _("nobody"),
    }


# The agency's work: internal.
PLAYBOOK_APPLIED = EventKind(
    "playbook_applied",
    PlaybookAppliedPayload,
    Visibility.INTERNAL,
    _playbook_applied,
    key_label=gettext_lazy("Playbook applied"),
)
TASK_DONE = EventKind("task_done", TaskPayload, Visibility.INTERNAL, _task_done)
TASK_REOPENED = EventKind("task_reopened", TaskPayload, Visibility.INTERNAL, _task_reopened)
TASK_ASSIGNED = EventKind("task_assigned", TaskPayload, Visibility.INTERNAL, _task_assigned)

PLAYBOOK_KINDS = (
    PLAYBOOK_APPLIED,
    TASK_DONE,
    TASK_REOPENED,
    TASK_ASSIGNED,
)
