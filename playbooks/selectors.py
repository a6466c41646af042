"""Read queries of playbooks and incident tasks, scoped to the member's organisation."""

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from incidents.models import Incident
from incidents.selectors import incident_filter_open, incident_list
from playbooks.models import AppliedPlaybook, IncidentTask, Playbook, PlaybookStep
from tenants.models import Membership

# Keywords are matched in at most this many of the incident's latest mentions: enough to
# characterise a crisis, bounded so that a spike of 100,000 mentions stays cheap.
SUGGESTION_MENTION_SAMPLE = 500
LANGUAGE_BONUS = 0.5


def playbook_list(*, membership: Membership) -> QuerySet[Playbook]:
    """Playbooks are shared by the whole organisation (brand-limited members read them too)."""
    return Playbook.objects.visible_to(membership).prefetch_related(
        Prefetch("steps", queryset=PlaybookStep.objects.order_by("position", "id"))
    )


def task_list(*, incident: Incident) -> QuerySet[IncidentTask]:
    """Tasks of one incident (the caller got the incident from a scoped selector)."""
    return (
        IncidentTask.objects.filter(
            organisation_id=incident.organisation_id, incident_id=incident.id
        )
        .select_related("owner_team", "assignee__user", "done_by__user")
        .order_by("position", "id")
    )


def task_counts(*, incident: Incident, now: datetime) -> dict[str, int]:
    return IncidentTask.objects.filter(
        organisation_id=incident.organisation_id, incident_id=incident.id
    ).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(done_at__isnull=False)),
        overdue=Count("id", filter=Q(done_at__isnull=True, due_at__lt=now)),
    )


def applied_playbook_ids(*, incident: Incident) -> set[int]:
    return set(
        AppliedPlaybook.objects.filter(
            organisation_id=incident.organisation_id, incident_id=incident.id
        ).values_list("playbook_id", flat=True)
    )


@dataclass(frozen=True, slots=True)
class Suggestion:
    playbook: Playbook
    score: float
    matched_keywords: list[str]
    language_match: bool


def _normalise(text: str) -> str:
    return text.lower().replace("ё", "е")


def _mention_texts(incident: Incident) -> list[str]:
    # Mentions belong to the monitoring part of incidents; read them generically so this
    # app does not depend on that model's module layout.
    try:
        mention_model = apps.get_model("incidents", "Mention")
    except LookupError:
        return []
    return list(
        mention_model.objects.filter(
            organisation_id=incident.organisation_id, incident_id=incident.id
        )
        .order_by("-id")
        .values_list("text", flat=True)[:SUGGESTION_MENTION_SAMPLE]
    )


def playbook_suggestions(*, incident: Incident, limit: int = 5) -> list[Suggestion]:
    """Active playbooks ranked for the incident.

    Score: the number of a playbook's keywords (stems) found in the incident's title, summary
    or linked mentions, plus a half-point bonus when the playbook's language is one of the
    brand's. Ties prefer a specific crisis type over the general playbook.
    """
    text = _normalise(
        "\n".join([incident.title, incident.summary, *filter(None, _mention_texts(incident))])
    )
    languages = set(incident.brand.languages or [])
    ranked = []
    playbooks = Playbook.objects.filter(organisation_id=incident.organisation_id, active=True)
    for playbook in playbooks.order_by("id"):
        matched = [k for k in playbook.keywords if k and _normalise(k) in text]
        language_match = playbook.language in languages
        score = len(matched) + (LANGUAGE_BONUS if language_match else 0.0)
        ranked.append(Suggestion(playbook, score, matched, language_match))
    ranked.sort(key=lambda s: (-s.score, s.playbook.crisis_type == "general", s.playbook.id))
    return ranked[:limit]


def overdue_task_list(*, membership: Membership) -> QuerySet[IncidentTask]:
    """Open tasks past due on open incidents the member may see, that are theirs: assigned to
    them, or unassigned and owned by one of their teams."""
    visible = incident_filter_open(incident_list(membership=membership), True)
    return (
        IncidentTask.objects.filter(
            organisation_id=membership.organisation_id,  # the incidents below are visible_to-scoped
            incident__in=visible.values("id"),
            done_at__isnull=True,
            due_at__lt=timezone.now(),
        )
        .filter(
            Q(assignee=membership)
            | Q(assignee__isnull=True, owner_team__in=membership.teams.values("id"))
        )
        .select_related("incident")
        .order_by("due_at", "id")
    )
