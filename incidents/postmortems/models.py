"""Post-mortems and their action items."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenants.models import Membership, Organisation
from tenants.scoping import TenantQuerySet


# Alike ActionItemStatus and its queryset below on purpose: each model its own states, scope.
class PostMortemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")


class PostMortemQuerySet(TenantQuerySet["PostMortem"]):
    brand_field = "incident__brand_id"


# Alike BrandReport, templates/models.py and playbooks/models.py on purpose: its own fields,
# links and indexes, declared as Django wants.
class PostMortem(models.Model):
    """What happened, what worked, what changes. One per incident, drafted when it resolves,
    with `prefill` computed from the timeline, and sections people write."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="postmortem"
    )
    is_drill = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=PostMortemStatus.choices, default=PostMortemStatus.DRAFT
    )
    author = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prefill = models.JSONField(default=dict, blank=True)
    summary = models.TextField(_("summary"), blank=True, default="")
    impact = models.TextField(_("impact"), blank=True, default="")
    root_cause = models.TextField(_("root cause"), blank=True, default="")
    went_well = models.TextField(_("what went well"), blank=True, default="")
    went_wrong = models.TextField(_("what went wrong"), blank=True, default="")
    lessons = models.TextField(_("lessons"), blank=True, default="")
    review_comments = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PostMortemQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "status", "-id"], name="postmortem_org_status"),
        ]

    def __str__(self) -> str:
        return f"Post-mortem of incident {self.incident_id}"


# Alike templates/models.py's choices and querysets on purpose: its own values and brand path.
class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ActionItemQuerySet(TenantQuerySet["ActionItem"]):
    brand_field = "postmortem__incident__brand_id"


# Alike tenants/models.py and templates/models.py on purpose: the action item's own fields.
class ActionItem(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    postmortem = models.ForeignKey(
        PostMortem, on_delete=models.CASCADE, related_name="action_items"
    )
    title = models.CharField(_("title"), max_length=300)
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    last_reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["organisation", "status", "due_date"], name="actionitem_org_status"
            ),
            models.Index(fields=["organisation", "owner", "status"], name="actionitem_org_owner"),
        ]

    def __str__(self) -> str:
        return self.title


class ReportState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("report", "Queued")
    RUNNING = "running", pgettext_lazy("report", "Being generated")
    READY = "ready", pgettext_lazy("report", "Ready")
    FAILED = "failed", pgettext_lazy("report", "Failed")


class BrandReportQuerySet(TenantQuerySet["BrandReport"]):
    brand_field = "brand_id"


# Alike PostMortem's Meta on purpose: the report's own constraint and indexes.
class BrandReport(models.Model):
    """A monthly brand report a client can hand on (incidents/postmortems/reports.py): asked
    for on the web or the API, generated on the worker with progress, kept as HTML and PDF."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey("tenants.Brand", on_delete=models.CASCADE, related_name="reports")
    month = models.DateField()  # the first day of the month, in the brand's calendar
    requested_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=8, choices=ReportState.choices, default=ReportState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    language = models.CharField(max_length=8, blank=True, default="")
    html = models.TextField(blank=True, default="")
    pdf = models.BinaryField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BrandReportQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "brand", "-month"], name="brandreport_org_brand"),
        ]

    def __str__(self) -> str:
        return f"Report of brand {self.brand_id} for {self.month:%Y-%m}"
