"""`--profile`: where the time of the API list and of a bulk ingest goes (pyinstrument,
in-process, the same code the servers run), written to profiles/<name>.txt."""

import time
from pathlib import Path

from django.test import Client
from pyinstrument import Profiler

from bench import datagen
from bench.context import Context
from bench.scenarios import api_reads, ingest
from incidents.monitoring.services import mention_ingest_for_member

REQUESTS = 30


def _write(ctx: Context, name: str, profiler: Profiler, header: str) -> Path:
    folder = ctx.config.output_dir / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    text = profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False)
    flat = profiler.output_text(unicode=True, color=False, flat=True)
    path.write_text(f"{header}\n\n== call tree ==\n{text}\n== flat (self time) ==\n{flat}")
    return path


def profile_list(ctx: Context) -> Path:
    tenant = ctx.read_data().main
    client = Client(HTTP_AUTHORIZATION=f"Token {tenant.tokens[0]}")
    path = api_reads.request_pairs(tenant, "list")[0][0]
    bare = api_reads.request_pairs(tenant, "bare_list")[0][0]
    timings = {}
    for label, url in (("API", path), ("bare", bare)):
        client.get(url)
        began = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(url)
        timings[label] = (time.perf_counter() - began) / REQUESTS * 1000
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(REQUESTS):
        client.get(path)
    profiler.stop()
    header = (
        f"GET {path} x {REQUESTS}, in-process (django.test.Client). Mean per request: API "
        f"{timings['API']:.1f} ms, bare view {timings['bare']:.1f} ms."
    )
    return _write(ctx, "api_list", profiler, header)


def profile_ingest(ctx: Context) -> Path:
    tenant = ingest.ingest_tenant(ctx)
    membership = tenant.memberships[0]
    brand = tenant.brands[0]
    items = [
        {**item, "brand": brand.id}
        for item in datagen.mention_items(
            ctx.size.ingest_batch, prefix=f"profile-{time.time_ns()}", brand_slug="p", seed=5
        )
    ]
    warm = [
        {**item, "brand": brand.id}
        for item in datagen.mention_items(
            100, prefix=f"pwarm-{time.time_ns()}", brand_slug="p", seed=6
        )
    ]
    mention_ingest_for_member(by=membership, items=warm)
    profiler = Profiler(interval=0.0005)
    began = time.perf_counter()
    profiler.start()
    result = mention_ingest_for_member(by=membership, items=items)
    profiler.stop()
    elapsed = time.perf_counter() - began
    header = (
        f"mention_ingest_for_member with {len(items):,} new mentions of one brand, in-process: "
        f"{elapsed * 1000:.0f} ms = {elapsed / len(items) * 1e6:.0f} µs per mention "
        f"({result.created} created)."
    )
    return _write(ctx, "ingest_batch", profiler, header)
