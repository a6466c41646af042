"""3. Ingest: mentions through the bulk API over HTTP (POST …/mentions/, 1,000 a request, four
senders: validation, sentiment, rules, idempotent upsert, counters, detection), the same
rows through a plain psycopg COPY into a scratch table, and `manage.py import_mentions` on a
CSV file."""

import csv
import json
import queue
import re
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import psycopg
from django.db import connection

from bench import datagen
from bench.config import ROOT, server_environment
from bench.context import Context
from bench.stats import fmt, summary_ms, table, target

NAME = "ingest"
TITLE = "Ingest"
TARGET_RATE = 3000
BRANDS = 4

_COPY_COLUMNS = (
    "organisation_id",
    "brand_id",
    "platform",
    "external_id",
    "author",
    "text",
    "url",
    "language",
    "posted_at",
    "reach",
    "sentiment_score",
    "sentiment_label",
    "incident_id",
    "flagged",
    "matched_keywords",
    "created_at",
    "updated_at",
    "sentiment_source",  # last: the rows' JSON column keeps its index (14)
)


def ingest_tenant(ctx: Context) -> datagen.Tenant:
    if "ingest_tenant" not in ctx.shared:
        tenant = datagen.tenant_create(
            slug="bench-ingest", brands=BRANDS + 2, members=1, tokens=True, role="manager"
        )
        for brand in tenant.brands:
            # Every brand watches a keyword and a negative-volume spike, as a client would.
            datagen.rule_create(brand, min_negative=200, keywords=[datagen.KEYWORD, "lawsuit"])
        ctx.shared["ingest_tenant"] = tenant
    return ctx.shared["ingest_tenant"]


def _bodies(tenant: datagen.Tenant, count: int, batch: int, prefix: str) -> list[bytes]:
    """Pre-serialised request bodies; each carries one brand's mentions (brands rotate)."""
    bodies = []
    brands = tenant.brands[:BRANDS]
    items = datagen.mention_items(count, prefix=prefix, brand_slug="bench", seed=7)
    current: list[dict] = []
    for item in items:
        brand = brands[len(bodies) % len(brands)]
        current.append({**item, "brand": brand.id})
        if len(current) == batch:
            bodies.append(json.dumps(current).encode())
            current = []
    if current:
        bodies.append(json.dumps(current).encode())
    return bodies


def api_ingest(ctx: Context) -> dict[str, Any]:
    """POST the mentions over HTTP; returns the rate and the per-batch curve."""
    if "ingest_api" in ctx.shared:
        return ctx.shared["ingest_api"]
    size = ctx.size
    tenant = ingest_tenant(ctx)
    server = ctx.http_server()
    url = f"{server.base_url}/api/v1/orgs/{tenant.slug}/mentions/"
    headers = {"Authorization": f"Token {tenant.tokens[0]}", "Content-Type": "application/json"}
    warm_brand = tenant.brands[BRANDS]
    with httpx.Client(timeout=120) as client:
        # Both workers load the sentiment lexicons and compile the rules before the clock runs.
        for i in range(2 * size.ingest_senders):
            warm = [
                {**item, "brand": warm_brand.id}
                for item in datagen.mention_items(200, prefix=f"warm{i}", brand_slug="w", seed=i)
            ]
            response = client.post(url, content=json.dumps(warm), headers=headers)
            response.raise_for_status()
    bodies = _bodies(tenant, size.ingest_mentions, size.ingest_batch, prefix="api")
    work: queue.Queue[int] = queue.Queue()
    for index in range(len(bodies)):
        work.put(index)
    batches: list[dict[str, Any]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def sender() -> None:
        with httpx.Client(timeout=300) as client:
            while True:
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    return
                began = time.perf_counter()
                response = client.post(url, content=bodies[index], headers=headers)
                ended = time.perf_counter()
                if response.status_code not in (200, 201):
                    errors.append(f"batch {index}: {response.status_code} {response.text[:300]}")
                    continue
                body = response.json()
                with lock:
                    batches.append(
                        {
                            "index": index,
                            "began": began,
                            "ended": ended,
                            "created": body["created"],
                            "updated": body["updated"],
                            "rejected": len(body["rejected"]),
                            "opened": len(body["incidents_opened"]),
                        }
                    )

    started = time.perf_counter()
    threads = [threading.Thread(target=sender) for _ in range(size.ingest_senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError("ingest requests failed:\n" + "\n".join(errors[:5]))
    created = sum(b["created"] for b in batches)
    rejected = sum(b["rejected"] for b in batches)
    if created != size.ingest_mentions or rejected:
        raise RuntimeError(
            f"expected {size.ingest_mentions} new mentions, got {created} ({rejected} rejected)"
        )
    # The curve: cost per row of each batch against the rows stored when it finished.
    batches.sort(key=lambda b: b["ended"])
    stored = 0
    curve = []
    for b in batches:
        stored += b["created"]
        rows = b["created"] + b["updated"]
        curve.append({"stored": stored, "us_per_row": (b["ended"] - b["began"]) / rows * 1e6})
    result = {
        "mentions": size.ingest_mentions,
        "batch": size.ingest_batch,
        "senders": size.ingest_senders,
        "seconds": elapsed,
        "rate": size.ingest_mentions / elapsed,
        "request_latency": summary_ms([b["ended"] - b["began"] for b in batches]),
        "incidents_opened": sum(b["opened"] for b in batches),
        "curve": curve,
    }
    ctx.shared["ingest_api"] = result
    return result


def copy_baseline(ctx: Context, brand_ids: list[int]) -> dict[str, Any]:
    """The same rows, read back, then COPY'd into a scratch table shaped like the real one."""
    table_name = connection.ops.quote_name("incidents_mention")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_COPY_COLUMNS)} FROM {table_name} "  # noqa: S608 (constant names)
            "WHERE brand_id = ANY(%s) AND external_id LIKE 'api-%%'",
            [brand_ids],
        )
        rows = cursor.fetchall()
    rows = [
        (*row[:14], json.dumps(row[14]) if not isinstance(row[14], str) else row[14], *row[15:])
        for row in rows
    ]
    url = ctx.config.database_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_mention_copy")
        conn.execute(
            f"CREATE TABLE bench_mention_copy (LIKE {table_name} INCLUDING ALL)"  # noqa: S608
        )
        conn.commit()
        began = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(
                f"COPY bench_mention_copy ({', '.join(_COPY_COLUMNS)}) FROM STDIN"  # noqa: S608
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        conn.commit()
        elapsed = time.perf_counter() - began
        copied = conn.execute("SELECT count(*) FROM bench_mention_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_mention_copy")
        conn.commit()
    if copied != len(rows):
        raise RuntimeError(f"COPY stored {copied} of {len(rows)} rows")
    return {"rows": len(rows), "seconds": elapsed, "rate": len(rows) / elapsed}


def csv_import(ctx: Context) -> dict[str, Any]:
    """`manage.py import_mentions` on a generated CSV of new mentions of one brand."""
    tenant = ingest_tenant(ctx)
    brand = tenant.brands[BRANDS + 1]
    path = ctx.config.work_dir / "mentions.csv"
    columns = ["platform", "external_id", "author", "text", "url", "language", "posted_at", "reach"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for item in datagen.mention_items(
            ctx.size.csv_rows, prefix="csv", brand_slug="csv", seed=11
        ):
            writer.writerow([item.get(c, "") for c in columns])
    began = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_mentions",
            str(path),
            "--org",
            tenant.slug,
            "--brand",
            brand.slug,
            "--no-progress",
        ],
        cwd=ROOT,
        env=server_environment(ctx.config),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - began
    if completed.returncode != 0:
        raise RuntimeError(f"import_mentions failed: {completed.stderr[-2000:]}")
    match = re.search(r"(\d+) rows in ([\d.]+) s — new: (\d+)", completed.stdout)
    if not match or int(match.group(3)) != ctx.size.csv_rows:
        raise RuntimeError(f"import_mentions did not import every row: {completed.stdout[-1000:]}")
    command_seconds = float(match.group(2))
    return {
        "rows": ctx.size.csv_rows,
        "seconds": elapsed,
        "command_seconds": command_seconds,
        "rate": ctx.size.csv_rows / command_seconds if command_seconds else None,
        "bytes": path.stat().st_size,
    }


def run(ctx: Context) -> dict[str, Any]:
    tenant = ingest_tenant(ctx)
    api = api_ingest(ctx)
    ctx.log(
        f"  API: {api['mentions']:,} mentions in {api['seconds']:.1f} s = {api['rate']:,.0f}/s "
        f"(request p50 {api['request_latency']['p50_ms']:.0f} ms)"
    )
    copy = copy_baseline(ctx, [b.id for b in tenant.brands[:BRANDS]])
    ctx.log(f"  COPY: {copy['rows']:,} rows in {copy['seconds']:.2f} s = {copy['rate']:,.0f}/s")
    imported = csv_import(ctx)
    ctx.log(
        f"  import_mentions: {imported['rows']:,} rows in {imported['command_seconds']:.1f} s "
        f"({imported['seconds']:.1f} s with start-up) = {imported['rate']:,.0f}/s"
    )
    result = {
        "api": {k: v for k, v in api.items() if k != "curve"},
        "copy": copy,
        "csv": imported,
        "ratio_api_to_copy": api["rate"] / copy["rate"],
        "ratio_csv_to_copy": (imported["rate"] or 0) / copy["rate"],
    }
    result["targets"] = targets(result)
    return result


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    api, copy, imported = result["api"], result["copy"], result["csv"]
    return [
        target(
            "bulk API ingest rate",
            f"≥ {TARGET_RATE:,} mentions/s",
            f"{api['rate']:,.0f}/s = {api['rate'] / copy['rate']:.3f} × COPY",
            api["rate"] >= TARGET_RATE,
        ),
        target(
            "CSV import (import_mentions)",
            "timed (no target; one process, batches in turn)",
            f"{imported['command_seconds']:.1f} s for {imported['rows']:,} rows "
            f"({imported['rate']:,.0f}/s)",
            None,
        ),
    ]


def markdown(result: dict[str, Any]) -> str:
    api, copy, imported = result["api"], result["copy"], result["csv"]
    rows = [
        [
            f"bulk API, HTTP (POST …/mentions/, {api['batch']:,} a request, "
            f"{api['senders']} senders)",
            f"{api['mentions']:,}",
            fmt(api["seconds"], 2),
            f"{api['rate']:,.0f}",
            f"{result['ratio_api_to_copy']:.3f}",
        ],
        [
            "`manage.py import_mentions` (CSV, in batches of 1,000)",
            f"{imported['rows']:,}",
            f"{imported['command_seconds']:.2f} ({imported['seconds']:.2f} with start-up)",
            f"{imported['rate']:,.0f}",
            f"{result['ratio_csv_to_copy']:.3f}",
        ],
        [
            "plain psycopg COPY, same rows, scratch table with the same indexes",
            f"{copy['rows']:,}",
            fmt(copy["seconds"], 2),
            f"{copy['rate']:,.0f}",
            "1",
        ],
    ]
    latency = api["request_latency"]
    return "\n\n".join(
        [
            table(["path", "rows", "seconds", "rows/s", "ratio to COPY"], rows),
            f"API request latency per batch: p50 {fmt(latency['p50_ms'])} ms, p99 "
            f"{fmt(latency['p99_ms'])} ms; incidents opened by the rules during the run: "
            f"{api['incidents_opened']}.",
        ]
    )


def chart(result: dict[str, Any], path: str) -> None:
    import matplotlib.pyplot as plt

    labels = ["bulk API (HTTP)", "import_mentions (CSV)", "psycopg COPY"]
    rates = [result["api"]["rate"], result["csv"]["rate"] or 0, result["copy"]["rate"]]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bars = ax.bar(labels, rates, color=["#3465a4", "#73d216", "#888a85"])
    ax.bar_label(bars, labels=[f"{r:,.0f}/s" for r in rates])
    ax.axhline(TARGET_RATE, color="#cc0000", linestyle="--", label=f"target {TARGET_RATE:,}/s")
    ax.set_yscale("log")
    ax.set_ylabel("mentions per second (log)")
    ax.set_title(f"3. Ingest of {result['api']['mentions']:,} mentions")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
