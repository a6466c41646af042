"""2. Live fan-out: WebSocket clients of one team, half on each of two ASGI processes
(uvicorn, one process per port); a note is added to the team's incident, the time until
every client has the event, every delivery counted, and each server process's memory per
1,000 sockets.

The push's source is the timeline table: each ASGI process's event relay
(incidents/realtime.py) follows IncidentEvent and hands new events to its own sockets, so
the channel layer no longer carries events. What differs is who writes the event, and both
are measured in one run on the same sockets: the web process (a note through the HTTP API
of the first process, which then wakes both relays by NOTIFY) and a process outside the
web (the benchmark process itself writes the note through the service, as the Celery
worker or a management command does)."""

import asyncio
import gc
import time
from typing import Any

import httpx
from django.utils import timezone

from bench import datagen
from bench.context import Context
from bench.stats import fmt, percentile, summary_ms, table, target
from bench.wsclients import Client, clients_close, clients_open, event_of
from incidents.models import Incident

NAME = "fanout"
TITLE = "Live fan-out"
TARGET_P99_MS = 250
TRIAL_TIMEOUT = 15.0
WRITERS = {
    "web": "the web process (a note through the API of process 1)",
    "outside": "another process (the service called outside the web, as the worker does)",
}


def _data(ctx: Context) -> dict[str, Any]:
    if "fanout_data" in ctx.shared:
        return ctx.shared["fanout_data"]
    size = ctx.size
    started = time.monotonic()
    tenant = datagen.tenant_create(
        slug="bench-live",
        brands=1,
        teams=2,
        members=size.fanout_clients + 1,
        role="responder",
        team_members=True,
    )
    users = [m.user for m in tenant.memberships]
    poster = users[-1]  # a responder of the team who writes the notes; holds no socket
    sessions = datagen.sessions_create(users[:-1])
    incident = Incident.objects.create(
        organisation_id=tenant.organisation.id,
        brand=tenant.brands[0],
        title="Fan-out benchmark incident",
        severity="sev2",
        detected_at=timezone.now(),
    )
    incident.teams.set([tenant.teams[0]])
    datagen.analyze_tables()
    data = {
        "tenant": tenant,
        "sessions": sessions,
        "token": datagen.token_for(poster),
        "poster": poster.id,
        "incident": incident.id,
    }
    ctx.log(
        f"  {size.fanout_clients} team members with sessions in {time.monotonic() - started:.1f} s"
    )
    ctx.shared["fanout_data"] = data
    return data


async def _trials(
    clients: list[Client], write: Any, trials: int, marker: str
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    gc.disable()
    try:
        return await _run_trials(clients, write, trials, marker, results)
    finally:
        gc.enable()


def _api_writer(http: httpx.AsyncClient, api: str) -> Any:
    async def write(text: str) -> None:
        response = await http.post(api, json={"text": text})
        if response.status_code != 201:
            raise RuntimeError(f"note refused: {response.status_code} {response.text[:300]}")

    return write


def _outside_writer(incident: Incident, poster: Any) -> Any:
    """The service itself, in this process: the event reaches the servers' sockets only
    through their relays (a worker's or a command's write takes the same path)."""
    from django.db import close_old_connections

    from incidents.services.lifecycle import incident_add_note
    from tenants.models import Membership

    members: list[Membership] = []  # the poster's membership, read once (in the thread)

    def add(text: str) -> None:
        close_old_connections()
        if not members:
            members.append(
                Membership.objects.get(organisation_id=incident.organisation_id, user=poster)
            )
        incident_add_note(incident=incident, by=members[0], text=text)

    async def write(text: str) -> None:
        await asyncio.to_thread(add, text)

    return write


async def _run_trials(
    clients: list[Client], write: Any, trials: int, marker: str, results: list
) -> list[dict[str, Any]]:
    for trial in range(trials):
        text = f"{marker}-{trial}"
        for client in clients:
            client.received.clear()
        began = time.perf_counter()
        await write(text)
        answered = time.perf_counter()
        deadline = began + TRIAL_TIMEOUT
        while time.perf_counter() < deadline:
            # Cheap while waiting (the clients share this loop); matched precisely below.
            if all(c.received for c in clients):
                break
            await asyncio.sleep(0.01)
        latencies = []
        duplicates = 0
        for client in clients:
            hits = [t for t, m in client.received if text in m and event_of(m)]
            if hits:
                latencies.append(hits[0] - began)
            duplicates += max(0, len(hits) - 1)
        # From the first client's copy to the last one's: the fan-out alone, without the
        # API request that caused it.
        spread = max(latencies) - min(latencies) if latencies else None
        results.append(
            {
                "trial": trial,
                "request_s": answered - began,
                "delivered": len(latencies),
                "duplicates": duplicates,
                "latencies": latencies,
                "all_by_s": max(latencies) if len(latencies) == len(clients) else None,
                "spread_s": spread,
            }
        )
        # The client process collects its garbage between trials, not during one: a full
        # collection over 1,000 connections' objects would be timed as delivery latency.
        gc.collect()
        await asyncio.sleep(0.3)
    return results


def _quantiles(ordered: list[float], points: int = 201) -> list[float]:
    if len(ordered) <= points:
        return ordered
    return [round(percentile(ordered, 100 * i / (points - 1)), 2) for i in range(points)]


def _redis_commands(ctx: Context) -> int:
    import redis

    return int(redis.Redis.from_url(ctx.config.redis_url).info("stats")["total_commands_processed"])


def _summary(
    ctx: Context, label: str, trials: list[dict[str, Any]], clients: int, commands: int
) -> dict[str, Any]:
    latencies = [t for trial in trials for t in trial["latencies"]]
    expected = clients * len(trials)
    delivered = sum(t["delivered"] for t in trials)
    all_by = [t["all_by_s"] for t in trials if t["all_by_s"] is not None]
    result = {
        "writer": WRITERS[label],
        "clients": clients,
        "trials": len(trials),
        "expected": expected,
        "delivered": delivered,
        "duplicates": sum(t["duplicates"] for t in trials),
        "delivery": summary_ms(latencies),
        "all_clients": summary_ms(all_by),
        "write": summary_ms([t["request_s"] for t in trials]),
        # Whole server, so other users of this Redis add to it: the events themselves no
        # longer go through Redis.
        "redis_commands_per_event": commands / max(1, len(trials)),
        "spread": summary_ms([t["spread_s"] for t in trials if t["spread_s"] is not None]),
        "per_trial_all_ms": [t["all_by_s"] * 1000 if t["all_by_s"] else None for t in trials],
        # The distribution at 201 points is enough for the chart and keeps the JSON small.
        "cdf_ms": _quantiles(sorted(t * 1000 for t in latencies)),
    }
    ctx.log(
        f"  {label}: {delivered}/{expected} delivered, p50 {fmt(result['delivery']['p50_ms'])} ms, "
        f"p99 {fmt(result['delivery']['p99_ms'])} ms, all clients p99 "
        f"{fmt(result['all_clients']['p99_ms'])} ms"
    )
    if ctx.strict and (delivered != expected or result["duplicates"]):
        raise RuntimeError(
            f"{label}: {delivered} of {expected} deliveries, {result['duplicates']} duplicates"
        )
    return result


def _measure(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    size = ctx.size
    env = {"CHANNEL_LAYER_PREFIX": f"{ctx.config.run_id}-fanout"}
    servers = [ctx.start_server(f"ws-{i}", env=env) for i in range(2)]
    try:
        targets = []
        for i, session in enumerate(data["sessions"]):
            server = servers[i % 2]
            targets.append(
                (
                    f"ws://127.0.0.1:{server.port}/ws/v1/orgs/{data['tenant'].slug}/",
                    server.base_url,
                    session,
                )
            )
        api = (
            f"{servers[0].base_url}/api/v1/orgs/{data['tenant'].slug}/incidents/"
            f"{data['incident']}/notes/"
        )
        # Read before the trials, so that the outside writer's time is the write alone.
        from django.contrib.auth.models import User

        incident = Incident.objects.get(pk=data["incident"])
        poster = User.objects.get(pk=data["poster"])
        # The first API request of a process pays for loading the code: not in a trial.
        httpx.post(
            api,
            json={"text": "warm-up"},
            headers={"Authorization": f"Token {data['token']}"},
            timeout=60,
        ).raise_for_status()

        async def scenario() -> tuple[float, list[int], list[int], dict[str, Any]]:
            # One socket per process first, so that the memory baseline already holds the
            # code and connections every socket shares; the difference is the sockets' own.
            warm, _ = await clients_open(targets[:2])
            await clients_close(warm)
            await asyncio.sleep(0.5)
            rss_before = [server.rss_kib()[server.process.pid] for server in servers]
            clients, connect_seconds = await clients_open(targets)
            measured: dict[str, Any] = {}
            try:
                await asyncio.sleep(1.0)  # let the servers settle before the memory reading
                rss_after = [server.rss_kib()[server.process.pid] for server in servers]
                headers = {"Authorization": f"Token {data['token']}"}
                async with httpx.AsyncClient(headers=headers, timeout=30) as http:
                    writers = {
                        "web": _api_writer(http, api),
                        "outside": _outside_writer(incident, poster),
                    }
                    for label, write in writers.items():
                        commands_before = _redis_commands(ctx)
                        trials = await _trials(
                            clients, write, size.fanout_trials, f"fanout-{label}"
                        )
                        measured[label] = (trials, _redis_commands(ctx) - commands_before)
            finally:
                await clients_close(clients)
            return connect_seconds, rss_before, rss_after, measured

        connect_seconds, rss_before, rss_after, measured = asyncio.run(scenario())
    finally:
        for server in servers:
            ctx.stop_server(server)
    clients = len(data["sessions"])
    per_server = [clients // 2 + (1 if i < clients % 2 else 0) for i in range(2)]
    writers = {
        label: _summary(ctx, label, trials, clients, commands)
        for label, (trials, commands) in measured.items()
    }
    return {
        "writers": writers,
        "clients": clients,
        "trials": size.fanout_trials,
        "connect_seconds": connect_seconds,
        "rss_before_mib": [k / 1024 for k in rss_before],
        "rss_after_mib": [k / 1024 for k in rss_after],
        "rss_per_1000_sockets_mib": [
            (after - before) / 1024 / n * 1000
            for before, after, n in zip(rss_before, rss_after, per_server, strict=True)
        ],
    }


def run(ctx: Context) -> dict[str, Any]:
    data = _data(ctx)
    result = _measure(ctx, data)
    targets = []
    for label, r in result["writers"].items():
        p99 = r["delivery"]["p99_ms"]
        targets.append(
            target(
                f"written by {label}: p99 event delivery to {r['clients']:,} clients",
                f"< {TARGET_P99_MS} ms",
                f"{fmt(p99)} ms (all clients served: p99 {fmt(r['all_clients']['p99_ms'])} ms)",
                p99 is not None and p99 < TARGET_P99_MS,
            )
        )
        targets.append(
            target(
                f"written by {label}: every event to every client",
                f"{r['expected']:,} deliveries",
                f"{r['delivered']:,} delivered, {r['duplicates']} duplicates",
                r["delivered"] == r["expected"] and not r["duplicates"],
            )
        )
    return {**result, **comparison(result["writers"]), "targets": targets}


def comparison(writers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An event written outside the web against one written by it, on the same sockets in
    the same run: the delivery p99 and the fan-out itself (first to last client, p50)."""

    def p99(label: str) -> float:
        return writers[label]["delivery"]["p99_ms"] or float("nan")

    def spread(label: str) -> float:
        return (writers[label].get("spread") or {}).get("p50_ms") or float("nan")

    return {
        "p99_ratio_outside_to_web": p99("outside") / p99("web"),
        "spread_ratio_outside_to_web": spread("outside") / spread("web"),
    }


def markdown(result: dict[str, Any]) -> str:
    rows = []
    for label, r in result["writers"].items():
        rows.append(
            [
                f"`{label}`: {r['writer']}",
                f"{r['delivered']:,} / {r['expected']:,}",
                fmt(r["delivery"]["p50_ms"]),
                fmt(r["delivery"]["p99_ms"]),
                fmt(r["all_clients"]["p50_ms"]),
                fmt(r["all_clients"]["p99_ms"]),
                fmt(r["write"]["p50_ms"]),
                fmt(r["spread"]["p50_ms"]),
                f"{r['redis_commands_per_event']:,.0f}",
            ]
        )
    memory = ", ".join(
        f"{v:.0f}→{w:.0f}"
        for v, w in zip(result["rss_before_mib"], result["rss_after_mib"], strict=True)
    )
    per_1000 = ", ".join(f"{v:.1f}" for v in result["rss_per_1000_sockets_mib"])
    return "\n\n".join(
        [
            f"{result['clients']:,} clients (one session each, all in one team), "
            f"{result['clients'] // 2:,} per process, {result['trials']} notes per writer; "
            "latency is from the moment the write starts to the arrival at each client (one "
            "client process, which shares the 2 cores with the servers, PostgreSQL and Redis). "
            "Every event reaches the sockets through each process's relay, whoever wrote it.",
            table(
                [
                    "writer",
                    "delivered",
                    "p50 ms",
                    "p99 ms",
                    "all clients p50 ms",
                    "all clients p99 ms",
                    "write p50 ms",
                    "first→last client p50 ms",
                    "Redis commands per event",
                ],
                rows,
            ),
            f"Server memory per process {memory} MiB (before→after the sockets), "
            f"{per_1000} MiB per 1,000 sockets; {fmt(result['connect_seconds'], 1)} s to "
            "connect them all.",
            _verdict(result),
        ]
    )


def _verdict(result: dict[str, Any]) -> str:
    return (
        f"An event written outside the web process reaches the sockets with a delivery p99 "
        f"{result['p99_ratio_outside_to_web']:.2f} × that of one the web process writes, and "
        f"its fan-out (first to last client, p50) takes "
        f"{result['spread_ratio_outside_to_web']:.2f} × as long."
    )


def chart(result: dict[str, Any], path: str) -> None:
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, r in result["writers"].items():
        values = r["cdf_ms"]
        if values:
            left.plot(values, [(i + 1) / len(values) for i in range(len(values))], label=label)
        right.plot(
            range(1, len(r["per_trial_all_ms"]) + 1),
            [v if v is not None else float("nan") for v in r["per_trial_all_ms"]],
            marker="o",
            label=label,
        )
    left.axvline(TARGET_P99_MS, color="#cc0000", linestyle="--", label=f"{TARGET_P99_MS} ms")
    left.set_xlabel("delivery latency, ms")
    left.set_ylabel("share of deliveries")
    left.set_title("Every delivery (CDF)")
    left.legend(fontsize=8)
    right.axhline(TARGET_P99_MS, color="#cc0000", linestyle="--")
    right.xaxis.get_major_locator().set_params(integer=True)
    right.set_xlabel("trial (one note)")
    right.set_ylabel("ms until the last client had it")
    right.set_title("Time until every client has the event")
    right.legend(fontsize=8)
    fig.suptitle("2. Live fan-out over 2 processes, through each process's event relay")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
