"""Web pages of playbooks: the task checklist in the incident room (apply a playbook, tick a
task). Thin: the playbooks services and selectors, the incident from the scoped selector."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.api import DomainError
from incidents.models import Incident
from incidents.selectors import incident_list
from playbooks import selectors, services
from tenants.models import Role
from tenants.web import org_page, scoped_get

DOMAIN_MESSAGES = [
    gettext_noop("Playbook not found."),
    gettext_noop("This playbook is inactive."),
    gettext_noop("This playbook has already been applied to the incident."),
    gettext_noop("The incident is closed; its tasks can no longer change."),
    gettext_noop("This task is already done."),
    gettext_noop("This task is not done."),
]


def _incident(request: HttpRequest, incident_pk: int) -> Incident:
    return scoped_get(incident_list(membership=request.membership), incident_pk)


def tasks_section(
    request: HttpRequest, incident: Incident, forms: dict[str, Any]
) -> dict[str, Any]:
    """The room's checklist: tasks with their due times, and the playbooks to apply."""
    now = timezone.now()
    tasks = list(selectors.task_list(incident=incident))
    applied = selectors.applied_playbook_ids(incident=incident)
    suggestions = [
        s for s in selectors.playbook_suggestions(incident=incident) if s.playbook.id not in applied
    ]
    suggested_ids = {s.playbook.id for s in suggestions}
    others = [
        p
        for p in selectors.playbook_list(membership=request.membership).filter(active=True)
        if p.id not in applied and p.id not in suggested_ids
    ]
    done = sum(1 for t in tasks if t.done_at is not None)
    return {
        "template": "playbooks/_tasks.html",
        "place": "main",
        "incident": incident,
        "tasks": [{"task": t, "overdue": t.is_overdue(now)} for t in tasks],
        "done": done,
        "total": len(tasks),
        "percent": round(100 * done / len(tasks)) if tasks else 0,
        "suggestions": suggestions,
        "other_playbooks": sorted(others, key=lambda p: (p.language, p.name)),
        "can_work": request.membership.has_role(Role.RESPONDER) and incident.status != "closed",
    }


def _section_or_back(
    request: HttpRequest, incident: Incident, error: str | None = None
) -> HttpResponse:
    """htmx: the refreshed checklist, a refusal inside it; a plain form post: back to the
    room, a refusal as a message."""
    if request.htmx:
        section = tasks_section(request, incident, {})
        section["error"] = error
        return render(request, "playbooks/_tasks.html", {"section": section})
    if error:
        messages.error(request, error)
    return redirect("web:incident", request.organisation.slug, incident.pk)


@org_page(write_role=Role.RESPONDER)
@require_GET
def tasks(request: HttpRequest, incident_pk: int) -> HttpResponse:
    """The checklist alone, for live refreshes."""
    incident = _incident(request, incident_pk)
    return render(request, "playbooks/_tasks.html", {"section": tasks_section(request, incident, {})})


@org_page(write_role=Role.RESPONDER)
@require_POST
def apply(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    playbook_id = request.POST.get("playbook", "")
    try:
        playbook = scoped_get(selectors.playbook_list(membership=request.membership), playbook_id)
    except Http404:  # another organisation's playbook is "not found" too
        return _section_or_back(request, incident, _("Choose a playbook."))
    try:
        services.playbook_apply(incident=incident, playbook=playbook, actor=request.user)
    except DomainError as exc:
        return _section_or_back(request, incident, _(exc.message))
    return _section_or_back(request, incident)


@org_page(write_role=Role.RESPONDER)
@require_POST
def task_toggle(request: HttpRequest, incident_pk: int, task_pk: int) -> HttpResponse:
    """Tick (done=true) or untick a task: the checkbox posts its new state."""
    incident = _incident(request, incident_pk)
    task = scoped_get(selectors.task_list(incident=incident), task_pk)
    try:
        if request.POST.get("done") == "true":
            services.task_complete(task=task, membership=request.membership, actor=request.user)
        else:
            services.task_reopen(task=task, membership=request.membership, actor=request.user)
    except DomainError as exc:
        return _section_or_back(request, incident, _(exc.message))
    return _section_or_back(request, incident)
