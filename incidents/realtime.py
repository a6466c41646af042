"""Group names and the after-commit push of timeline events to WebSocket groups."""

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from crisisdesk.core.time import iso_z
from incidents.models import IncidentEvent
from tenants.models import display_name

logger = logging.getLogger(__name__)


def org_group(organisation_id: int) -> str:
    """Owners and managers: every incident of the organisation."""
    return f"org.{organisation_id}.all"


def team_group(organisation_id: int, team_id: int) -> str:
    return f"org.{organisation_id}.team.{team_id}"


def event_data(
    event: IncidentEvent, actor_name: str | None = None, *, for_client: bool = False
) -> dict[str, Any]:
    """The wire shape of an event, shared by the API, the push and the replay. Client staff
    read the actor's display name, never a username (`for_client`)."""
    if for_client:
        actor_name = display_name(event.actor) if event.actor_id is not None else None
    elif actor_name is None and event.actor_id is not None:
        actor_name = event.actor.get_username()
    return {
        "id": event.id,
        "kind": event.kind,
        "actor": actor_name,
        "payload": event.payload,
        "visibility": event.visibility,
        "created_at": iso_z(event.created_at),
    }


def event_message(event: IncidentEvent, *, brand_id: int, actor_name: str | None) -> dict[str, Any]:
    return {
        "type": "incident.event",
        "incident": event.incident_id,
        "event": event_data(event, actor_name),
    }


def broadcast_after_commit(
    event: IncidentEvent, *, brand_id: int, team_ids: Iterable[int], actor_name: str | None
) -> None:
    """Push the event to the organisation group and each team group once the write commits.

    A failed push (Redis down) is logged, never raised: the event is already stored and a
    client's replay will deliver it.
    """
    message = event_message(event, brand_id=brand_id, actor_name=actor_name)
    groups = [org_group(event.organisation_id)] + [
        team_group(event.organisation_id, team_id) for team_id in sorted(set(team_ids))
    ]
    # `visibility` and `actor_display` let each socket apply its member's rule
    # (incidents.models.visibilities_for) and name the actor to client staff.
    envelope = {
        "type": "incident.event",
        "data": message,
        "brand": brand_id,
        "visibility": event.visibility,
        "actor_display": display_name(event.actor) if event.actor_id is not None else None,
    }

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for group in groups:
            try:
                async_to_sync(layer.group_send)(group, envelope)
            except Exception:
                logger.warning("live push of event %s to %s failed", event.id, group, exc_info=True)

    transaction.on_commit(send, robust=True)
