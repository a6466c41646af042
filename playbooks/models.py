"""Playbooks (a plan per crisis type) and the tasks they become on an incident."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from tenants.models import Membership, Organisation, Role, Severity, Team
from tenants.scoping import TenantQuerySet


class Language(models.TextChoices):
    RU = "ru", _("Russian")
    EN = "en", _("English")


# A step is owned by a team, a role, or both (responder work vs. a manager's decision).
STEP_OWNER_ROLES = [(role.value, role.label) for role in (Role.OWNER, Role.MANAGER, Role.RESPONDER)]


# Alike templates.models.ResponseTemplate and Response on purpose: each model declares its own
# columns, manager and indexes (migrations read them); the timestamps and Meta are Django's idiom.
class Playbook(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="playbooks"
    )
    name = models.CharField(_("name"), max_length=200)
    crisis_type = models.CharField(_("crisis type"), max_length=40)
    description = models.TextField(_("description"), blank=True, default="")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    suggested_severity = models.CharField(
        _("suggested severity"), max_length=4, choices=Severity.choices, blank=True, default=""
    )
    # Lower-case stems matched as substrings of an incident's text and its mentions.
    keywords = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The agency's own: a brand limit does not narrow them.
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "crisis_type"], name="playbook_org_type"),
            models.Index(fields=["organisation", "active", "language"], name="playbook_org_active"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name", "language"], name="playbook_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


# A step's own content: what the API shows after the id, and what a save of the steps rewrites.
STEP_FIELDS = (
    "position",
    "title",
    "guidance",
    "owner_team",
    "owner_role",
    "due_offset_minutes",
    "template",
)


class PlaybookStep(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    # No unique constraint: a reorder rewrites every position in one statement batch, and a
    # non-deferrable unique index would trip over the intermediate states.
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=300)
    guidance = models.TextField(_("guidance"), blank=True, default="")
    owner_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_role = models.CharField(max_length=16, choices=STEP_OWNER_ROLES, blank=True, default="")
    due_offset_minutes = models.PositiveIntegerField(default=0)
    # Alike IncidentTask.template on purpose: each model declares its own columns (migrations).
    template = models.ForeignKey(
        "response_templates.ResponseTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["organisation", "playbook", "position"], name="step_org_playbook")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class AppliedPlaybook(models.Model):
    """That a playbook was applied to an incident: the unique pair refuses a second apply, even
    two racing ones."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="applied_playbooks"
    )
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="applications")
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "incident"], name="applied_org_incident"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["incident", "playbook"], name="applied_playbook_unique")
        ]

    def __str__(self) -> str:
        return f"playbook {self.playbook_id} on incident {self.incident_id}"


class IncidentTask(models.Model):
    """A playbook step applied to an incident. Title and guidance are copied, so that editing
    or deleting the playbook later never rewrites what the team was asked to do."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    playbook = models.ForeignKey(
        Playbook, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    step = models.ForeignKey(
        PlaybookStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=300)
    guidance = models.TextField(blank=True, default="")
    owner_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_role = models.CharField(max_length=16, blank=True, default="")
    # Alike PlaybookStep.template on purpose: a task keeps its own copy of its step's columns.
    template = models.ForeignKey(
        "response_templates.ResponseTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["organisation", "incident", "position"], name="task_org_incident"),
            models.Index(fields=["organisation", "done_at", "due_at"], name="task_org_due"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (incident {self.incident_id})"

    def is_overdue(self, now: datetime) -> bool:
        return self.done_at is None and self.due_at < now

    @property
    def late(self) -> bool:
        return self.done_at is not None and self.done_at > self.due_at
