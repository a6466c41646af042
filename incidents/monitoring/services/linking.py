"""Staff link mentions to an incident by hand (the mention browser's bulk action); monitoring
links them by itself in detection."""

from collections.abc import Sequence

from django.db import transaction

from incidents import events
from incidents.models import Incident
from incidents.monitoring.models import Mention
from incidents.monitoring.services.detection import EVENT_MENTION_IDS
from incidents.services.lifecycle import event_record
from tenants.models import Membership

MAX_LINKS_PER_REQUEST = 1000


def mentions_link(
    *,
    by: Membership,
    incident: Incident,
    mention_ids: Sequence[int],
) -> int:
    """Link the member's chosen mentions to an incident they may see; returns how many.

    Only mentions the member sees and of the incident's brand are linked (another brand's or
    organisation's ids are skipped, never reported apart: the count says it); at most
    MAX_LINKS_PER_REQUEST. Writes one `mention_linked` event with the actor, in the same
    transaction. The caller checks the role (responders and up) and scopes the incident.
    """
    ids = [i for i in mention_ids if isinstance(i, int) and 0 < i < 2**63][:MAX_LINKS_PER_REQUEST]
    if not ids:
        return 0
    with transaction.atomic():
        chosen = (
            Mention.objects.visible_to(by)
            .filter(id__in=ids, brand_id=incident.brand_id)
            .exclude(incident_id=incident.id)
        )
        first_ids = list(chosen.order_by("id").values_list("id", flat=True)[:EVENT_MENTION_IDS])
        count = chosen.update(incident=incident)
        if count:
            event_record(
                incident=incident,
                kind=events.MENTION_LINKED,
                actor=by.user,
                payload={"count": count, "mentions": first_ids, "manual": True},
            )
    return count
