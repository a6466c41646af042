"""Reads of post-mortems: the prefill computed from the timeline, lists and search."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crisisdesk.core.time import iso_z
from incidents.events import key_event_kinds
from incidents.metrics import incident_response_times
from incidents.models import Incident, IncidentEvent
from incidents.monitoring.models import Mention, MentionBucket, SentimentLabel
from incidents.monitoring.selectors import incident_phrases
from incidents.postmortems.models import PostMortem, PostMortemStatus
from incidents.postmortems.policies import may_review_postmortems
from tenants.models import Membership

# Hours of mention volume shown before detection and after resolution.
CONTEXT_HOURS = 24


def _timeline(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    key_kinds = key_event_kinds()  # the registry's key events (incidents.events)
    return [
        {
            "at": iso_z(e["created_at"]),
            "kind": e["kind"],
            "actor": e["actor__username"],
            "payload": {k: v for k, v in e["payload"].items() if k != "text"},
        }
        for e in events
        if e["kind"] in key_kinds
    ]


def _metrics(incident: Incident) -> dict[str, Any]:
    return incident_response_times(incident)


def _floor_hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def _mentions(incident: Incident) -> dict[str, Any]:
    start = incident.detected_at - timedelta(hours=CONTEXT_HOURS)
    end_of_incident = incident.resolved_at or incident.detected_at
    end = end_of_incident + timedelta(hours=CONTEXT_HOURS)
    hours = list(
        MentionBucket.objects.filter(
            organisation_id=incident.organisation_id,
            brand_id=incident.brand_id,
            bucket_start__gte=start,
            bucket_start__lt=end,
        )
        .annotate(hour=TruncHour("bucket_start"))
        .values("hour")
        .annotate(total=Sum("total"), negative=Sum("negative"))
        .order_by("hour")
    )
    first_hour = _floor_hour(incident.detected_at)
    last_hour = _floor_hour(end_of_incident)
    during_hours = int((last_hour - first_hour).total_seconds() // 3600) + 1
    spans = {"before": CONTEXT_HOURS, "during": during_hours, "after": CONTEXT_HOURS}
    phases: dict[str, dict[str, Any]] = {}
    for name, hours_in_phase in spans.items():
        if name == "before":
            rows = [h for h in hours if h["hour"] < first_hour]
        elif name == "during":
            rows = [h for h in hours if first_hour <= h["hour"] <= last_hour]
        else:
            rows = [h for h in hours if h["hour"] > last_hour]
        total = sum(h["total"] for h in rows)
        negative = sum(h["negative"] for h in rows)
        phases[name] = {
            "hours": hours_in_phase,
            "total": total,
            "negative": negative,
            "negative_share": round(negative / total, 4) if total else None,
            "per_hour": round(total / hours_in_phase, 2),
        }
    peak = max(hours, key=lambda h: h["total"], default=None)
    linked = Mention.objects.filter(
        organisation_id=incident.organisation_id, incident_id=incident.id
    )
    linked_counts = linked.aggregate(
        total=Count("id"), negative=Count("id", filter=Q(sentiment_label=SentimentLabel.NEGATIVE))
    )
    platforms = list(
        linked.values("platform").annotate(count=Count("id")).order_by("-count", "platform")[:3]
    )
    return {
        "linked_total": linked_counts["total"],
        "linked_negative_share": (
            round(linked_counts["negative"] / linked_counts["total"], 4)
            if linked_counts["total"]
            else None
        ),
        "phases": phases,
        "peak_hour": {"hour": iso_z(peak["hour"]), "total": peak["total"]} if peak else None,
        "top_platforms": platforms,
        "phrases": incident_phrases(incident=incident),
        "hourly": [
            {"hour": iso_z(h["hour"]), "total": h["total"], "negative": h["negative"]}
            for h in hours
        ],
    }


def _tasks(events: Sequence[Mapping[str, Any]], end: datetime) -> dict[str, Any]:
    """Done, late and skipped playbook tasks, replaying task_done / task_reopened in order.

    A task left open counts as skipped only when it was due before `end` (the resolution):
    a task not yet due when the incident was resolved is "not due", not skipped. A task
    whose due time the timeline does not carry (older events) counts as skipped.
    """
    total = 0
    due: dict[Any, datetime | None] = {}
    for e in events:
        if e["kind"] != "playbook_applied":
            continue
        total += int(e["payload"].get("task_count", 0))
        for task in e["payload"].get("tasks") or []:
            due[task.get("task")] = parse_datetime(task["due_at"]) if task.get("due_at") else None
    state: dict[Any, dict[str, Any]] = {}
    for e in events:
        task = e["payload"].get("task")
        if e["kind"] == "task_done":
            state[task] = {
                "title": e["payload"].get("title"),
                "late": bool(e["payload"].get("late")),
            }
        elif e["kind"] == "task_reopened":
            state.pop(task, None)
    done = len(state)
    late = [t["title"] for t in state.values() if t["late"]]
    not_due = sum(1 for task, at in due.items() if task not in state and at and at >= end)
    return {
        "total": total,
        "done": done,
        "late": len(late),
        "late_titles": late,
        "skipped": max(0, total - done - not_due),
        "not_due": not_due,
    }


def _approvals(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    waits = [
        float(e["payload"]["waited_seconds"])
        for e in events
        if e["kind"] in ("response_approved", "response_client_approved")
        and e["payload"].get("waited_seconds") is not None
    ]
    return {
        "count": len(waits),
        "median_wait_seconds": median(waits) if waits else None,
        "max_wait_seconds": max(waits) if waits else None,
    }


def postmortem_prefill(*, incident: Incident) -> dict[str, Any]:
    """Everything a post-mortem starts from, read from the incident, its timeline and its
    mentions (never from playbooks or templates: what they did is in the events)."""
    events = list(
        IncidentEvent.objects.filter(
            organisation_id=incident.organisation_id, incident_id=incident.id
        )
        .order_by("id")
        .values("id", "kind", "payload", "created_at", "actor__username")
    )
    return {
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "brand": incident.brand.name,
            "severity": incident.severity,
            "is_drill": incident.is_drill,
            "detected_at": iso_z(incident.detected_at),
            "resolved_at": iso_z(incident.resolved_at),
        },
        "timeline": _timeline(events),
        "metrics": _metrics(incident),
        "mentions": _mentions(incident),
        "tasks": _tasks(events, incident.resolved_at or timezone.now()),
        "approvals": _approvals(events),
        "responses_published": sum(1 for e in events if e["kind"] == "response_published"),
        "sla_breaches": [e["payload"].get("kind") for e in events if e["kind"] == "sla_breached"],
    }


def postmortem_list(*, membership: Membership) -> QuerySet[PostMortem]:
    """The post-mortems the member may read: client staff only the approved ones (their
    client version: `exports.audience_for`)."""
    qs = PostMortem.objects.visible_to(membership)
    if membership.is_client:
        qs = qs.filter(status=PostMortemStatus.APPROVED)
    return qs.select_related("incident__brand", "author__user", "approved_by__user")


def postmortem_waiting_for_review(
    qs: QuerySet[PostMortem], membership: Membership
) -> QuerySet[PostMortem]:
    """In review, and the member may approve it: a manager or owner who is not its author."""
    if not may_review_postmortems(membership):
        return qs.none()
    return qs.filter(status=PostMortemStatus.IN_REVIEW).exclude(author=membership)


def postmortem_search(qs: QuerySet[PostMortem], text: str) -> QuerySet[PostMortem]:
    """Full-text search over lessons and root causes: PostgreSQL's search with the 'simple'
    configuration (it handles Russian and English alike, without stemming); a plain
    case-insensitive match on SQLite."""
    if settings.IS_POSTGRES:
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("lessons", "root_cause", config="simple")
        return qs.annotate(search=vector).filter(
            search=SearchQuery(text, config="simple", search_type="websearch")
        )
    return qs.filter(Q(lessons__icontains=text) | Q(root_cause__icontains=text))
