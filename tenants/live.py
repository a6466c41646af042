"""Live access follows membership at once: when a person's access to an organisation changes
(removed, a new role, brand limit, member kind or team), every open socket of theirs, on
every ASGI process, is told over the channel layer to re-resolve its scope
(`tenants.tenancy.socket_scope`): it closes (4403) or re-joins the groups it may read.

Each socket joins `user_group(user_id)` on connect (incidents.consumers); the instruction is
sent after the change commits, so the socket re-reads the committed state. A failed send
(Redis down) is logged: the socket's next reconnect resolves its scope afresh anyway.
"""

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def access_changed(*, organisation_id: int, user_ids: Iterable[int]) -> None:
    """After commit, tell every socket of these users in this organisation to re-scope."""
    targets = sorted(set(user_ids))
    if not targets:
        return

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for user_id in targets:
            try:
                async_to_sync(layer.group_send)(
                    user_group(user_id),
                    {"type": "access.changed", "organisation": organisation_id},
                )
            except Exception:
                logger.warning("access change of user %s not pushed", user_id, exc_info=True)

    transaction.on_commit(send, robust=True)
