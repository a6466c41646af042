"""Web pages of playbooks: the task checklist in the incident room (apply a playbook, tick a
task). Thin: the playbooks services and selectors, the incident from the scoped selector."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from crisisdesk.core.exceptions import DomainError
from incidents.models import Incident
from incidents.selectors import incident_list
from playbooks import policies, selectors, services
from playbooks.models import STEP_OWNER_ROLES, Language, Playbook
from playbooks.services.library import StepData
from tenants import selectors as tenant_selectors
from tenants.forms import PageForm, form_error, set_queryset
from tenants.models import Membership, Role, Severity, Team
from tenants.tenancy import OrgRequest, org_page, scoped_get


def _incident(request: OrgRequest, incident_pk: int) -> Incident:
    return scoped_get(incident_list(membership=request.membership), incident_pk)


def resolve_warnings(request: OrgRequest, incident: Incident) -> list[str]:
    """Before resolving: the playbook tasks still open, and how many of them are past due
    (those the post-mortem will report as skipped)."""
    counts = selectors.task_counts(incident=incident, now=timezone.now())
    still_open = counts["total"] - counts["done"]
    if not still_open:
        return []
    sentence = ngettext(
        "%(count)s playbook task is still open",
        "%(count)s playbook tasks are still open",
        still_open,
    ) % {"count": still_open}
    overdue = counts["overdue"]
    if overdue:
        sentence += ngettext(
            "; %(count)s of them is past due and will be reported as skipped.",
            "; %(count)s of them are past due and will be reported as skipped.",
            overdue,
        ) % {"count": overdue}
    else:
        sentence += _("; none is past due yet, so none will be reported as skipped.")
    return [sentence]


def tasks_section(request: OrgRequest, incident: Incident, forms: dict[str, Any]) -> dict[str, Any]:
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
    roles = dict(Role.choices)
    return {
        "template": "playbooks/_tasks.html",
        "place": "side",
        "incident": incident,
        "tasks": [
            {"task": t, "overdue": t.is_overdue(now), "role": roles.get(t.owner_role, "")}
            for t in tasks
        ],
        "done": done,
        "total": len(tasks),
        "percent": round(100 * done / len(tasks)) if tasks else 0,
        "suggestions": suggestions,
        "other_playbooks": sorted(others, key=lambda p: (p.language, p.name)),
        "can_work": policies.may_work_tasks(request.membership, incident),
    }


def _section_or_back(
    request: OrgRequest, incident: Incident, error: str | None = None
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
def tasks(request: OrgRequest, incident_pk: int) -> HttpResponse:
    """The checklist alone, for live refreshes."""
    incident = _incident(request, incident_pk)
    return render(
        request, "playbooks/_tasks.html", {"section": tasks_section(request, incident, {})}
    )


@org_page(write_role=Role.RESPONDER)
@require_POST
def apply(request: OrgRequest, incident_pk: int) -> HttpResponse:
    incident = _incident(request, incident_pk)
    playbook_id = request.POST.get("playbook", "")
    try:
        playbook = scoped_get(selectors.playbook_list(membership=request.membership), playbook_id)
    except Http404:  # another organisation's playbook is "not found" too
        return _section_or_back(request, incident, _("Choose a playbook."))
    try:
        services.playbook_apply(incident=incident, playbook=playbook, by=request.membership)
    except DomainError as exc:
        return _section_or_back(request, incident, exc.translated)
    return _section_or_back(request, incident)


@org_page(write_role=Role.RESPONDER)
@require_POST
def task_toggle(request: OrgRequest, incident_pk: int, task_pk: int) -> HttpResponse:
    """Tick (done=true) or untick a task: the checkbox posts its new state."""
    incident = _incident(request, incident_pk)
    task = scoped_get(selectors.task_list(incident=incident), task_pk)
    try:
        if request.POST.get("done") == "true":
            services.task_complete(task=task, by=request.membership)
        else:
            services.task_reopen(task=task, by=request.membership)
    except DomainError as exc:
        return _section_or_back(request, incident, exc.translated)
    return _section_or_back(request, incident)


# --- The playbook library and its editor (managers write, everyone reads) ---


class PlaybookForm(PageForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    crisis_type = forms.SlugField(
        label=gettext_lazy("Crisis type"),
        max_length=40,
        help_text=gettext_lazy("A short key, e.g. ad_backlash, quality_trend, service_complaints."),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)
    suggested_severity = forms.ChoiceField(
        label=gettext_lazy("Suggested severity"),
        choices=[("", "—"), *Severity.choices],
        required=False,
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    keywords = forms.CharField(
        label=gettext_lazy("Keywords"),
        required=False,
        help_text=gettext_lazy("Comma-separated stems that suggest this playbook for an incident."),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def clean_keywords(self) -> list[str]:
        return [k.strip() for k in self.cleaned_data["keywords"].split(",") if k.strip()]


class StepForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=gettext_lazy("Step"), max_length=300, required=False)
    guidance = forms.CharField(
        label=gettext_lazy("Guidance"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_offset_minutes = forms.IntegerField(
        label=gettext_lazy("Due after (minutes)"), min_value=0, initial=0, required=False
    )
    owner_role = forms.ChoiceField(
        label=gettext_lazy("Owner role"), choices=[("", "—"), *STEP_OWNER_ROLES], required=False
    )
    owner_team = forms.ModelChoiceField(
        label=gettext_lazy("Owner team"), queryset=Team.objects.none(), required=False
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "owner_team", tenant_selectors.team_list(membership=membership))


StepFormSet = forms.formset_factory(StepForm, extra=2, can_delete=True)


def _steps(formset: Any) -> list[StepData]:
    """The step list a formset describes, in its order; empty and deleted rows left out."""
    steps = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or not data.get("title"):
            continue
        step: StepData = {
            "title": data["title"],
            "guidance": data.get("guidance") or "",
            "due_offset_minutes": data.get("due_offset_minutes") or 0,
            "owner_role": data.get("owner_role") or "",
            "owner_team": data.get("owner_team"),
        }
        if data.get("id"):
            step["id"] = data["id"]
        steps.append(step)
    return steps


# Alike templates/views_library.py:library on purpose: each app's library page, its own
# selector, template and manage policy.
@org_page()
@require_GET
def library(request: OrgRequest) -> HttpResponse:
    playbooks = selectors.playbook_list(membership=request.membership).order_by("language", "name")
    return render(
        request,
        "playbooks/library.html",
        {"playbooks": playbooks, "can_manage": policies.may_manage_playbooks(request.membership)},
    )


def _editor(
    request: OrgRequest, playbook: Playbook | None, form: Any, formset: Any, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "playbooks/editor.html",
        {
            "playbook": playbook,
            "form": form,
            "formset": formset,
            "can_manage": policies.may_manage_playbooks(request.membership),
        },
        status=status,
    )


def _refuse(form: PlaybookForm, exc: DomainError) -> None:
    """A refused save on the field it names; a refused step list, on the form as a whole."""
    form_error(form, exc.field if exc.field != "steps" else None, exc.translated)


def _saved(request: OrgRequest, playbook_pk: int) -> HttpResponse:
    messages.success(request, _("Playbook saved."))
    return redirect("web:playbook", request.organisation.slug, playbook_pk)


@org_page()
def playbook_new(request: OrgRequest) -> HttpResponse:
    membership = request.membership
    if not policies.may_manage_playbooks(membership):
        raise PermissionDenied
    form = PlaybookForm(request.POST or None)
    formset = StepFormSet(request.POST or None, form_kwargs={"membership": membership})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            playbook = services.playbook_create(
                organisation=request.organisation,
                by=membership,
                steps=_steps(formset),
                **form.cleaned_data,
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            return _saved(request, playbook.pk)
    return _editor(request, None, form, formset, status=400 if request.method == "POST" else 200)


@org_page()
def playbook(request: OrgRequest, playbook_pk: int) -> HttpResponse:
    """A playbook and its steps; managers edit both on this page."""
    membership = request.membership
    obj = scoped_get(selectors.playbook_list(membership=membership), playbook_pk)
    # Alike templates/views_library.py:template_page on purpose: each form's own initial fields.
    initial = {
        "name": obj.name,
        "crisis_type": obj.crisis_type,
        "language": obj.language,
        "suggested_severity": obj.suggested_severity,
        "description": obj.description,
        "keywords": ", ".join(obj.keywords),
        "active": obj.active,
    }
    steps = [
        {
            "id": step.id,
            "title": step.title,
            "guidance": step.guidance,
            "due_offset_minutes": step.due_offset_minutes,
            "owner_role": step.owner_role,
            "owner_team": step.owner_team_id,
        }
        for step in obj.steps.all()
    ]
    form = PlaybookForm(request.POST or None, initial=initial)
    formset = StepFormSet(
        request.POST or None, initial=steps, form_kwargs={"membership": membership}
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.playbook_update(
                playbook=obj, by=membership, steps=_steps(formset), **form.cleaned_data
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            return _saved(request, obj.pk)
    return _editor(request, obj, form, formset, status=400 if request.method == "POST" else 200)
