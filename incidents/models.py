"""Incidents, their append-only timeline and SLA breaches.

The parts' models (monitoring, post-mortems, notifications) live in their sub-packages and keep
the `incidents` app label: they are imported here so that Django registers them with the app.
Their foreign keys to the incident are strings ("incidents.Incident"), so those modules never
import this one."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Registered with the app by being imported; import the names from the part's module.
from incidents.monitoring import models as monitoring_models  # noqa: F401
from incidents.notifications import models as notification_models  # noqa: F401
from incidents.postmortems import models as postmortem_models  # noqa: F401
from tenants.models import Brand, Membership, Organisation, Severity, Team
from tenants.scoping import TenantQuerySet


class Visibility(models.TextChoices):
    """Who may read a timeline event: the agency only, or the client's staff too."""

    INTERNAL = "internal", _("Internal")
    CLIENT = "client", _("Visible to the client")


def visibilities_for(membership: Membership) -> tuple[str, ...]:
    """The one rule of event visibility: client staff read client events only, agency staff
    every event. The API, the pages, the replay (through `IncidentEvent.objects.visible_to`)
    and the live push (the consumer, per socket) all ask this."""
    if membership.is_client:
        return (Visibility.CLIENT,)
    return (Visibility.INTERNAL, Visibility.CLIENT)


def follows_brands(membership: Membership) -> bool:
    """Client staff follow every incident of their brands live (the portal lists them all),
    whatever team works on it; the socket joins the organisation's group and keeps only their
    brands' client events. A client member without a brand limit follows nothing (fail
    closed: no limit would otherwise mean every brand)."""
    return membership.is_client and membership.brand_limits() is not None


# Alike the other TextChoices (monitoring, templates) on purpose: each lists its own choices.
class Status(models.TextChoices):
    DETECTED = "detected", _("Detected")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESPONDING = "responding", _("Responding")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The one place where the lifecycle is defined. `closed` is reached only through an
# approved post-mortem, never by a plain transition request.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DETECTED: (Status.ACKNOWLEDGED,),
    Status.ACKNOWLEDGED: (Status.RESPONDING, Status.MONITORING, Status.RESOLVED),
    Status.RESPONDING: (Status.MONITORING, Status.RESOLVED),
    Status.MONITORING: (Status.RESPONDING, Status.RESOLVED),
    Status.RESOLVED: (Status.CLOSED,),
    Status.CLOSED: (),
}
OPEN_STATUSES = (Status.DETECTED, Status.ACKNOWLEDGED, Status.RESPONDING, Status.MONITORING)


# Alike monitoring/models.py's and postmortems/models.py's choices on purpose: its own values.
class IncidentSource(models.TextChoices):
    """Where an incident came from (not a mention source)."""

    MANUAL = "manual", _("Manual")
    MONITORING = "monitoring", _("Monitoring")
    DRILL = "drill", _("Drill")


class IncidentQuerySet(TenantQuerySet["Incident"]):
    brand_field = "brand_id"

    def pushed_to(self, membership: Membership | None) -> "IncidentQuerySet":
        """The incidents whose events reach this member live (and on replay): every one they
        may see for managers and owners, otherwise those assigned to one of their teams."""
        qs = self.visible_to(membership)
        assert membership is not None  # visible_to refused None
        if not membership.sees_whole_organisation and not follows_brands(membership):
            qs = qs.filter(teams__members=membership)
        return qs


# Alike the other tenant models (monitoring, notifications, post-mortems, playbooks, templates)
# on purpose: Django declares each model's own fields, nullable links and indexes one by one.
class Incident(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="incidents"
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True, default="")
    severity = models.CharField(_("severity"), max_length=4, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DETECTED
    )
    source = models.CharField(
        max_length=16, choices=IncidentSource.choices, default=IncidentSource.MANUAL
    )
    crisis_type = models.CharField(max_length=40, blank=True, default="")
    is_drill = models.BooleanField(default=False)
    commander = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commanded_incidents",
    )
    teams = models.ManyToManyField(Team, related_name="incidents", blank=True)
    # Set when monitoring opened the incident; later matches of the brand link to it.
    monitoring_rule = models.ForeignKey(
        "MonitoringRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detected_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "-id"], name="incident_org_id"),
            models.Index(fields=["organisation", "status", "-id"], name="incident_org_status"),
            models.Index(fields=["organisation", "brand", "-id"], name="incident_org_brand"),
            models.Index(fields=["organisation", "severity", "-id"], name="incident_org_severity"),
            models.Index(fields=["organisation", "detected_at"], name="incident_org_detected"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def allowed_next(self) -> list[str]:
        return [str(s) for s in TRANSITIONS[Status(self.status)]]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class IncidentEventQuerySet(TenantQuerySet["IncidentEvent"]):
    brand_field = "incident__brand_id"

    def visible_to(self, membership: Membership | None) -> "IncidentEventQuerySet":
        """The organisation's events within the brand limits, of the visibilities the member
        may read (`visibilities_for`)."""
        qs = super().visible_to(membership)
        assert membership is not None  # visible_to refused None
        if membership.is_client:
            qs = qs.filter(visibility__in=visibilities_for(membership))
        return qs

    def pushed_to(self, membership: Membership | None) -> "IncidentEventQuerySet":
        """Events of the incidents `Incident.objects.pushed_to(membership)` answers, of the
        visibilities the member may read."""
        if membership is None:
            return self.visible_to(None)
        incidents = Incident.objects.pushed_to(membership).values("id")
        qs = self.filter(organisation_id=membership.organisation_id, incident_id__in=incidents)
        if membership.is_client:
            qs = qs.filter(visibility__in=visibilities_for(membership))
        return qs._scoped()


# Alike the other tenant models on purpose: its own fields and Meta, declared as Django wants.
class IncidentEvent(models.Model):
    """The timeline and audit log. Rows are only ever inserted (see the PostgreSQL trigger)."""

    id = models.BigAutoField(primary_key=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IncidentEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "incident", "id"], name="event_org_incident"),
            models.Index(fields=["organisation", "id"], name="event_org_id"),
            models.Index(fields=["organisation", "kind", "created_at"], name="event_org_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on incident {self.incident_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Incident events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Incident events are append-only.")


class SlaBreach(models.Model):
    """The claim that a breach was escalated: one row per (incident, kind), ever.

    The unique constraint is what makes concurrent SLA checks notify once.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="sla_breaches")
    kind = models.CharField(max_length=20)  # acknowledge, first_response, resolve
    due_at = models.DateTimeField()
    claim = models.UUIDField()  # which run inserted it
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="sla_breach_once"),
        ]
        indexes = [models.Index(fields=["organisation", "-id"], name="sla_breach_org_id")]

    def __str__(self) -> str:
        return f"{self.kind} breached on incident {self.incident_id}"
