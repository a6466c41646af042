"""Many WebSocket clients in one asyncio process (the `websockets` library).

Each client records the arrival time of every message before looking at it, so parsing
never delays the clock of the next one.
"""

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


@dataclass
class Client:
    index: int
    connection: ClientConnection
    received: list[tuple[float, str]] = field(default_factory=list)
    reader: asyncio.Task | None = None


async def _read(client: Client) -> None:
    with contextlib.suppress(Exception):
        async for message in client.connection:
            client.received.append((time.perf_counter(), message))


async def client_open(index: int, url: str, origin: str, session_key: str) -> Client:
    connection = await connect(
        url,
        origin=origin,
        additional_headers={"Cookie": f"sessionid={session_key}"},
        open_timeout=60,
        ping_interval=None,
        max_queue=None,
    )
    hello = json.loads(await asyncio.wait_for(connection.recv(), timeout=30))
    if hello.get("type") != "hello":
        raise RuntimeError(f"client {index}: expected hello, got {hello}")
    client = Client(index, connection)
    client.reader = asyncio.create_task(_read(client))
    return client


async def clients_open(
    targets: list[tuple[str, str, str]], *, parallel: int = 50
) -> tuple[list[Client], float]:
    """Open one client per (url, origin, session key), `parallel` handshakes at a time."""
    gate = asyncio.Semaphore(parallel)

    async def one(index: int, target: tuple[str, str, str]) -> Client:
        async with gate:
            return await client_open(index, *target)

    began = time.perf_counter()
    clients = await asyncio.gather(*(one(i, t) for i, t in enumerate(targets)))
    return list(clients), time.perf_counter() - began


async def clients_close(clients: list[Client]) -> None:
    async def close(client: Client) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.connection.close(), timeout=5)
        if client.reader:
            client.reader.cancel()

    await asyncio.gather(*(close(c) for c in clients))


def event_of(message: str) -> dict[str, Any] | None:
    data = json.loads(message)
    return data if data.get("type") == "incident.event" else None
