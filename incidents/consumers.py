"""The live incident feed of one organisation."""

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from incidents.models import Visibility, follows_brands, visibilities_for
from incidents.realtime import event_data, org_group, relay, team_group
from incidents.selectors import event_replay
from tenants.live import user_group
from tenants.models import Membership
from tenants.scoping import tenant_guard
from tenants.tenancy import SocketScope, socket_scope

logger = logging.getLogger(__name__)

REPLAY_BATCH = 500
# The event ids a socket remembers having sent: a member of several assigned teams is in
# several of the event's groups, and gets it once.
SEEN_EVENTS = 2000


class IncidentFeedConsumer(AsyncJsonWebsocketConsumer):
    """Authorised in connect() before accept(); joins only the groups the member may read.

    Events come from this process's event relay (incidents/realtime.py), which reads the
    timeline table and calls `incident_event` for the sockets whose groups an event
    concerns.
    """

    membership: Membership | None = None
    groups_joined: list[str]
    brand_ids: set[int] | None
    visibilities: tuple[str, ...] = ()

    async def connect(self) -> None:
        self.groups_joined = []
        self.seen: OrderedDict[int, None] = OrderedDict()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        org_slug = self.scope["url_route"]["kwargs"]["org_slug"]
        scope = await self._load(user, org_slug)
        if scope is None:
            await self.close(code=4404)
            return
        self._apply(scope)
        # The per-user group first: an access change sent while the others are joined is
        # not lost.
        self.groups_joined = [user_group(user.pk), *self._groups_of(scope)]
        # Followed from before the relay's starting point is read: nothing committed from
        # now on is missed (held until the hello is out).
        relay.attach(self)
        await self._relay_ensure(asyncio.get_running_loop())
        try:
            await self._join_groups()
        except Exception:
            # The channel layer is unreachable (Redis down): refuse cleanly; the client
            # reconnects with backoff and replays what it missed.
            logger.warning("WebSocket refused: channel layer unavailable", exc_info=True)
            self.groups_joined = []
            relay.detach(self)
            await self.close(code=1011)
            return
        await self.accept()
        await self.send_json(
            {"type": "hello", "organisation": org_slug, "role": scope.membership.role}
        )
        await relay.ready(self)

    def _apply(self, scope: SocketScope) -> None:
        self.membership = scope.membership
        self.brand_ids = set(scope.brand_ids) if scope.brand_ids is not None else None
        self.visibilities = visibilities_for(scope.membership)

    @staticmethod
    def _groups_of(scope: SocketScope) -> list[str]:
        membership = scope.membership
        if membership.sees_whole_organisation or follows_brands(membership):
            return [org_group(membership.organisation_id)]
        return [team_group(membership.organisation_id, t) for t in scope.team_ids]

    async def access_changed(self, message: dict[str, Any]) -> None:
        """The member's access changed (tenants.live): re-resolve the scope through the door;
        close when it is gone, otherwise join and leave groups to match it."""
        if (
            self.membership is None
            or message.get("organisation") != self.membership.organisation_id
        ):
            return
        user = self.scope["user"]
        scope = await self._load(user, self.scope["url_route"]["kwargs"]["org_slug"])
        if scope is None:
            # Leave every group and read nothing more before the close completes.
            self.visibilities = ()
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined = []
            await self.close(code=4403)
            return
        self._apply(scope)
        wanted = [user_group(user.pk), *self._groups_of(scope)]
        for group in set(self.groups_joined) - set(wanted):
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in set(wanted) - set(self.groups_joined):
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = wanted
        await self.send_json({"type": "scope.changed", "role": scope.membership.role})

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
    def _relay_ensure(self, loop: asyncio.AbstractEventLoop) -> None:
        relay.ensure(loop)

    @database_sync_to_async
    def _load(self, user: Any, org_slug: str) -> SocketScope | None:
        return socket_scope(user=user, org_slug=org_slug)

    async def disconnect(self, code: int) -> None:
        relay.detach(self)
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
        assert self.membership is not None
        for_client = self.membership.is_client
        with tenant_guard():
            events = event_replay(membership=self.membership, since=since, limit=REPLAY_BATCH)
            return [
                {
                    "type": "incident.event",
                    "incident": e.incident_id,
                    "event": event_data(e, for_client=for_client),
                }
                for e in events
            ]

    async def incident_event(self, message: dict[str, Any]) -> None:
        # The groups know neither brand limits nor member kinds: each socket applies its
        # member's rule (the replay's, incidents.models.visibilities_for). A message without
        # a visibility is internal.
        if self.brand_ids is not None and message.get("brand") not in self.brand_ids:
            return
        if message.get("visibility", Visibility.INTERNAL) not in self.visibilities:
            return
        data = message["data"]
        event_id = data.get("event", {}).get("id")
        if event_id is not None:
            if event_id in self.seen:
                return
            self.seen[event_id] = None
            if len(self.seen) > SEEN_EVENTS:
                self.seen.popitem(last=False)
        if self.membership is not None and self.membership.is_client:
            event = {**data["event"], "actor": message.get("actor_display")}
            data = {**data, "event": event}
        await self.send_json(data)
