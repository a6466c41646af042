"""The live incident feed of one organisation."""

import asyncio
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from incidents.realtime import event_data, org_group, team_group
from incidents.selectors import event_replay
from tenants.models import Membership
from tenants.scoping import tenant_guard
from tenants.tenancy import SocketScope, socket_scope

logger = logging.getLogger(__name__)

REPLAY_BATCH = 500


class IncidentFeedConsumer(AsyncJsonWebsocketConsumer):
    """Authorised in connect() before accept(); joins only the groups the member may read."""

    membership: Membership | None = None
    groups_joined: list[str]
    brand_ids: set[int] | None

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        org_slug = self.scope["url_route"]["kwargs"]["org_slug"]
        scope = await self._load(user, org_slug)
        if scope is None:
            await self.close(code=4404)
            return
        membership = self.membership = scope.membership
        self.brand_ids = set(scope.brand_ids) if scope.brand_ids is not None else None
        if membership.sees_whole_organisation:
            self.groups_joined = [org_group(membership.organisation_id)]
        else:
            self.groups_joined = [team_group(membership.organisation_id, t) for t in scope.team_ids]
        try:
            await self._join_groups()
        except Exception:
            # The channel layer is unreachable (Redis down): refuse cleanly; the client
            # reconnects with backoff and replays what it missed.
            logger.warning("WebSocket refused: channel layer unavailable", exc_info=True)
            self.groups_joined = []
            await self.close(code=1011)
            return
        await self.accept()
        await self.send_json({"type": "hello", "organisation": org_slug, "role": membership.role})

    async def _join_groups(self) -> None:
        # One retry: the first command after a Redis restart may meet a pooled connection
        # that died with the old server.
        for attempt in range(2):
            try:
                for group in self.groups_joined:
                    await self.channel_layer.group_add(group, self.channel_name)
                return
            except Exception:
                if attempt:
                    raise
                await asyncio.sleep(0.2)

    @database_sync_to_async
    def _load(self, user: Any, org_slug: str) -> SocketScope | None:
        return socket_scope(user=user, org_slug=org_slug)

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("action") != "replay":
            await self.send_json(
                {
                    "type": "error",
                    "detail": 'Unknown message; send {"action": "replay", "since": <event id>}.',
                }
            )
            return
        since = content.get("since", 0)
        if not isinstance(since, int) or isinstance(since, bool) or since < 0:
            await self.send_json(
                {"type": "error", "detail": "since must be a non-negative event id."}
            )
            return
        while True:
            batch = await self._replay(since)
            for message in batch:
                await self.send_json(message)
            if len(batch) < REPLAY_BATCH:
                break
            since = batch[-1]["event"]["id"]
        await self.send_json({"type": "replay.done", "since": content.get("since", 0)})

    @database_sync_to_async
    def _replay(self, since: int) -> list[dict[str, Any]]:
        with tenant_guard():
            events = event_replay(membership=self.membership, since=since, limit=REPLAY_BATCH)
        return [
            {"type": "incident.event", "incident": e.incident_id, "event": event_data(e)}
            for e in events
        ]

    async def incident_event(self, message: dict[str, Any]) -> None:
        # Team groups do not know about brand limits; a client's own staff see only their brands.
        if self.brand_ids is not None and message.get("brand") not in self.brand_ids:
            return
        await self.send_json(message["data"])
