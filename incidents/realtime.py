"""Group names, the wire shape of an event, and the relay that pushes the timeline live.

The table is the source of the push. Every ASGI process runs one relay (a thread started by
the first WebSocket that connects) that follows `IncidentEvent` by id and hands each new
event to the sockets of that process whose groups it concerns (`incident_event` of each
attached consumer). Whoever wrote the event — a web request, the Celery worker, beat, a
management command — and whether Redis is up or not, every socket gets it once, from its
own process: the relay is the only pusher (the channel layer carries access changes,
tenants.live, not events).

- PostgreSQL: a statement trigger NOTIFYs `crisisdesk_events` on insert (delivered at
  commit) and wakes the relay at once; it also polls every second in case a notification is
  missed, and every half second while its listening connection is down.
- SQLite (the embedded run): it polls every RELAY_POLL_SQLITE seconds.

Ids are handed out at insert, not at commit: a transaction that inserted id 10 may commit
after the one that inserted id 11. Ids skipped over are re-read for GAP_WAIT_SECONDS
before the relay gives up on them (a rolled-back insert never appears); a client's replay
is still there for anything older.
"""

import asyncio
import contextlib
import logging
import threading
import time
import weakref
from typing import Any, Protocol

from django.db import connection
from django.db.models import Q

from crisisdesk.core.time import iso_z
from incidents.models import Incident, IncidentEvent
from tenants.models import display_name

NOTIFY_CHANNEL = "crisisdesk_events"
RELAY_POLL_SQLITE = 0.2
RELAY_POLL_LISTENING = 1.0
RELAY_POLL_UNLISTENED = 0.5
GAP_WAIT_SECONDS = 60.0
RELAY_BATCH = 500
# A jump of ids larger than this is a sequence jump, not transactions in flight.
GAP_MAX = 5000

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
    elif actor_name is None and event.actor is not None:
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


def event_groups(event: IncidentEvent, team_ids: list[int]) -> list[str]:
    """The organisation group and the group of each team the incident is assigned to; an
    `assigned` event also reaches the teams it took the incident from."""
    teams = set(team_ids)
    if event.kind == "assigned" and isinstance(event.payload, dict):
        teams.update(t for t in event.payload.get("previous_teams", []) if isinstance(t, int))
    return [org_group(event.organisation_id)] + [
        team_group(event.organisation_id, team_id) for team_id in sorted(teams)
    ]


def event_envelope(event: IncidentEvent) -> dict[str, Any]:
    """What a consumer's `incident_event` handler receives. `brand`, `visibility` and
    `actor_display` let each socket apply its member's rule (brand limits,
    incidents.models.visibilities_for) and name the actor to client staff."""
    actor_name = event.actor.get_username() if event.actor is not None else None
    return {
        "type": "incident.event",
        "data": event_message(event, brand_id=event.incident.brand_id, actor_name=actor_name),
        "brand": event.incident.brand_id,
        "visibility": event.visibility,
        "actor_display": display_name(event.actor) if event.actor_id is not None else None,
    }


class LiveSocket(Protocol):
    """What the relay needs of a consumer: the groups it joined and the event handler."""

    groups_joined: list[str]

    async def incident_event(self, message: dict[str, Any]) -> None: ...


class EventRelay:
    """Follows the timeline table by id and pushes every new event to this process's sockets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.cursor = 0
        self.pending: dict[int, float] = {}  # id skipped over → when to give up on it
        self.pushed = 0
        self._listener: Any = None
        # socket → None once it is ready, or the envelopes held for it until then.
        self._sockets: weakref.WeakKeyDictionary[Any, list[dict[str, Any]] | None] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def ensure(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the relay if it is not running (sync: call it from a database thread).

        The starting cursor is read here, before the caller's socket joins its groups, so
        that nothing committed after the socket connected is missed.
        """
        with self._lock:
            self._loop = loop
            if self.running:
                return
            self._stop.clear()
            self._start_cursor()
            self._thread = threading.Thread(target=self._run, name="event-relay", daemon=True)
            self._thread.start()

    def attach(self, socket: LiveSocket) -> None:
        """Follow this socket from now on (in the event loop, before its groups are joined);
        what concerns it is held until `ready()` (after its hello) and then sent."""
        self._sockets[socket] = []

    async def ready(self, socket: LiveSocket) -> None:
        held = self._sockets.get(socket)
        if held is None:
            return
        self._sockets[socket] = None
        for envelope in held:
            await socket.incident_event(envelope)

    def detach(self, socket: LiveSocket) -> None:
        self._sockets.pop(socket, None)

    def stop(self, timeout: float = 5) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
        if thread is not None:
            thread.join(timeout)

    def _start_cursor(self) -> None:
        """The newest id; ids missing just below it may be transactions still in flight."""
        recent = list(
            IncidentEvent.objects.order_by("-id").values_list("id", flat=True)[:RELAY_BATCH]
        )
        self.cursor = recent[0] if recent else 0
        self.pending = {}
        if recent:
            deadline = time.monotonic() + GAP_WAIT_SECONDS
            present = set(recent)
            low = max(recent[-1], self.cursor - GAP_MAX)
            self.pending = {i: deadline for i in range(low, self.cursor) if i not in present}

    # --- the thread ---

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._wait()
                while not self._stop.is_set() and self.poll() >= RELAY_BATCH:
                    pass
                failures = 0
            except Exception:
                failures += 1
                logger.warning("event relay: poll failed (%s in a row)", failures, exc_info=True)
                self._listener_close()
                connection.close()
                self._stop.wait(min(1.0, 0.2 * failures))
        self._listener_close()
        connection.close()

    def _wait(self) -> None:
        """Until a notification arrives or the poll interval passes."""
        if connection.vendor != "postgresql":
            self._stop.wait(RELAY_POLL_SQLITE)
            return
        listener = self._listen()
        if listener is None:
            self._stop.wait(RELAY_POLL_UNLISTENED)
            return
        try:
            for _ in listener.notifies(timeout=RELAY_POLL_LISTENING, stop_after=1):
                pass
        except Exception:
            logger.warning("event relay: LISTEN connection lost; polling", exc_info=True)
            self._listener_close()

    def _listen(self) -> Any:
        if self._listener is not None:
            return self._listener
        if getattr(self, "_listen_retry_at", 0) > time.monotonic():
            return None
        import psycopg

        params = {
            key: value
            for key, value in connection.get_connection_params().items()
            if key in {"dbname", "user", "password", "host", "port", "sslmode", "options"}
        }
        try:
            listener = psycopg.connect(**params, autocommit=True, connect_timeout=5)
            listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except Exception:
            logger.warning("event relay: cannot LISTEN; polling meanwhile", exc_info=True)
            self._listen_retry_at = time.monotonic() + 5
            return None
        self._listener = listener
        return listener

    def _listener_close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(Exception):  # already broken
                listener.close()

    def poll(self) -> int:
        """Read what is new since the cursor (and the ids still awaited), push it; how many.

        The thread keeps its database connection between polls (closed on an error)."""
        now = time.monotonic()
        self.pending = {i: until for i, until in self.pending.items() if until > now}
        where = Q(id__gt=self.cursor)
        if self.pending:
            where |= Q(id__in=list(self.pending))
        events = list(
            IncidentEvent.objects.filter(where)
            .select_related("incident", "actor")
            .order_by("id")[:RELAY_BATCH]
        )
        if not events:
            return 0
        teams: dict[int, list[int]] = {}
        for incident_id, team_id in Incident.teams.through.objects.filter(
            incident_id__in={e.incident_id for e in events}
        ).values_list("incident_id", "team_id"):
            teams.setdefault(incident_id, []).append(team_id)
        batch = [(event_groups(e, teams.get(e.incident_id, [])), event_envelope(e)) for e in events]
        self._advance([e.id for e in events], now)
        logger.debug("event relay: %s events up to %s", len(events), self.cursor)
        self._push(batch)
        return len(events)

    def _advance(self, ids: list[int], now: float) -> None:
        for event_id in ids:
            self.pending.pop(event_id, None)
        newest = ids[-1]
        if newest > self.cursor:
            found = set(ids)
            if newest - self.cursor <= GAP_MAX:
                deadline = now + GAP_WAIT_SECONDS
                for missing in range(self.cursor + 1, newest):
                    if missing not in found:
                        self.pending[missing] = deadline
            self.cursor = newest

    def _push(self, batch: list[tuple[list[str], dict[str, Any]]]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # no socket has connected to a live loop: nobody to tell

        async def send() -> None:
            # Read in the loop: the sockets and their groups change only there.
            for socket, held in list(self._sockets.items()):
                joined = set(getattr(socket, "groups_joined", ()))
                for groups, envelope in batch:
                    if joined.isdisjoint(groups):
                        continue
                    if held is not None:
                        held.append(envelope)
                        continue
                    try:
                        await socket.incident_event(envelope)
                    except Exception:
                        logger.info("live push to a closing socket failed", exc_info=True)
                        break

        try:
            asyncio.run_coroutine_threadsafe(send(), loop).result(timeout=10)
        except RuntimeError:
            return  # the loop stopped meanwhile (the server is shutting down)
        self.pushed += len(batch)


relay = EventRelay()
