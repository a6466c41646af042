"""Incidents and their append-only timeline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Brand, Membership, Organisation, Severity, Team


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


class Source(models.TextChoices):
    MANUAL = "manual", _("Manual")
    MONITORING = "monitoring", _("Monitoring")
    DRILL = "drill", _("Drill")


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
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "incident", "id"], name="event_org_incident"),
            models.Index(fields=["organisation", "id"], name="event_org_id"),
            models.Index(fields=["organisation", "kind", "created_at"], name="event_org_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on incident {self.incident_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Incident events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Incident events are append-only.")
