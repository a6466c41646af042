"""Notifications: webhook delivery attempts, tasks kept through a broker outage, send-once receipts."""

from django.db import models

from tenants.models import Organisation


class WebhookDelivery(models.Model):
    """One attempt to deliver an outgoing webhook; retries of a delivery share delivery_id."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    delivery_id = models.UUIDField()
    event_type = models.CharField(max_length=60)
    url = models.URLField(max_length=2000)
    attempt = models.PositiveSmallIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "-id"], name="webhook_org_id"),
            models.Index(fields=["organisation", "delivery_id"], name="webhook_org_delivery"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.attempt} → {self.status_code or self.error[:40]}"


class DeferredTask(models.Model):
    """A Celery task that could not be enqueued (broker down), kept until a flush sends it.

    Nothing is lost in a Redis outage: the row is written in the request's own database,
    and `deferred_tasks_flush_run` re-sends it once the broker answers again.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_name} (deferred)"


class NotificationReceipt(models.Model):
    """The key of a notification already sent: a task run twice sends it once."""

    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
