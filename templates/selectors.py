"""Read queries of response templates and responses, scoped to the member's organisation and
brands."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from incidents.models import Incident
from templates.models import Response, ResponseStatus, ResponseTemplate, TemplateVersion
from templates.policies import is_agency_approver
from templates.starter import STARTER_TEMPLATES
from tenants.models import Membership, Role


def template_list(*, membership: Membership) -> QuerySet[ResponseTemplate]:
    """Templates the member may use: every-brand ones plus those of the member's brands."""
    return ResponseTemplate.objects.visible_to(membership).select_related(
        "current_version", "brand"
    )


def template_version_list(*, template: ResponseTemplate) -> QuerySet[TemplateVersion]:
    return TemplateVersion.objects.filter(
        organisation_id=template.organisation_id, template_id=template.id
    ).select_related("created_by")


def response_list(*, incident: Incident, membership: Membership) -> QuerySet[Response]:
    """Responses of one incident (the caller got the incident from a scoped selector). Client
    staff read the client-facing ones only: published, approved for the client, or waiting
    for the client's own approval (addressed to them)."""
    qs = Response.objects.filter(organisation_id=incident.organisation_id, incident_id=incident.id)
    if membership.is_client:
        qs = qs.filter(
            Q(status=ResponseStatus.PUBLISHED)
            | Q(client_approved_by__isnull=False)
            | Q(status=ResponseStatus.PENDING_APPROVAL, approved_by__isnull=False)
        )
    return qs.select_related(
        "author__user",
        "approved_by__user",
        "client_approved_by__user",
        "rejected_by__user",
        "template_version",
    )


def responses_due_for_escalation(*, organisation_id: int | None = None) -> QuerySet[Response]:
    """Pending responses not yet escalated in their current submission (the task checks each
    one's wait against its organisation's setting)."""
    qs = (
        Response.objects.all_tenants()
        .filter(  # the escalation task, every organisation
            status=ResponseStatus.PENDING_APPROVAL,
            escalated_at__isnull=True,
            submitted_at__isnull=False,
        )
        .select_related("organisation", "incident")
    )
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    return qs.order_by("id")


def escalation_recipients(*, response: Response) -> list[User]:
    """The active managers and owners with an email who may see the response's brand."""
    ids = (
        Membership.objects.filter(
            organisation_id=response.organisation_id,
            role__in=[Role.MANAGER, Role.OWNER],
            user__is_active=True,
        )
        .filter(Q(brands__isnull=True) | Q(brands__id=response.incident.brand_id))
        .exclude(user__email="")
        .values_list("user_id", flat=True)
    )
    return list(get_user_model().objects.filter(pk__in=set(ids)).order_by("email"))


def starter_template_ids(*, organisation_id: int) -> dict[str, int]:
    """Ids of the organisation's every-brand starter templates, by starter key (what playbook
    steps name). A starter template renamed or deleted since is simply absent."""
    by_name = {(t["name"], t["language"]): t["key"] for t in STARTER_TEMPLATES}
    rows = ResponseTemplate.objects.filter(
        organisation_id=organisation_id,
        brand__isnull=True,
        name__in={name for name, _ in by_name},
    ).values_list("name", "language", "id")
    return {
        by_name[(name, language)]: pk for name, language, pk in rows if (name, language) in by_name
    }


def responses_awaiting_approval(*, membership: Membership) -> QuerySet[Response]:
    """Responses waiting for this member's approval, oldest first: the agency's approval for
    managers and owners, the client's for a client approver of the brand (once the agency has
    approved). Never one the member wrote; within the member's brands."""
    qs = Response.objects.filter(
        organisation_id=membership.organisation_id,
        status=ResponseStatus.PENDING_APPROVAL,
        incident__in=Incident.objects.visible_to(membership),
    ).exclude(author_id=membership.id)
    waiting = Q(pk__in=[])
    if is_agency_approver(membership):
        waiting |= Q(approved_by__isnull=True)
    if membership.is_client_approver and membership.is_brand_limited:
        waiting |= Q(
            approved_by__isnull=False,
            client_approved_by__isnull=True,
            incident__brand__require_client_approval=True,
        )
    return (
        qs.filter(waiting).select_related("incident", "author__user").order_by("submitted_at", "id")
    )
