"""Responses in the incident's Telegram message: the text of each response waiting for approval,
and the Approve / Request changes buttons, which act through the approval services with the
pressing member's own rights (a non-approver's press is refused by response_approve itself).
Registered from ResponseTemplatesConfig.ready()."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import NotFound
from incidents.models import Incident
from templates.models import Response, ResponseStatus
from templates.services.approval import response_approve, response_reject
from tenants.models import Membership


def pending_responses(incident: Incident) -> list[dict[str, Any]]:
    rows = Response.objects.filter(
        organisation_id=incident.organisation_id,
        incident_id=incident.id,
        status=ResponseStatus.PENDING_APPROVAL,
    ).order_by("id")
    return [{"id": r.id, "channel": r.channel, "body": r.body} for r in rows]


def _response(membership: Membership, argument: str) -> Response:
    response = (
        Response.objects.visible_to(membership).filter(pk=int(argument)).first()
        if argument.isdigit()
        else None
    )
    if response is None:
        raise NotFound(gettext_lazy("Response not found."))
    return response


def approve(*, membership: Membership, argument: str) -> str:
    response_approve(response=_response(membership, argument), by=membership)
    return _("Approved.")


def request_changes(*, membership: Membership, argument: str) -> str:
    response_reject(
        response=_response(membership, argument),
        by=membership,
        reason=_("Changes requested in Telegram by %(name)s.")
        % {"name": membership.user.get_username()},
    )
    return _("Sent back for changes.")
