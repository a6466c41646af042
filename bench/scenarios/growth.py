"""5. Growth: the API reads of scenario 1 in organisations of 1,000, 10,000 and 100,000
incidents (first page, a page 90 % of the way down, a detail; the bare list beside them), and
the ingest of scenario 3 as the mention table grows to 1,000, 10,000 and 100,000 rows (cost
per row of the batches around each size). Flat means the largest size costs at most 1.5 × the
smallest."""

import json
from typing import Any

from knox.settings import CONSTANTS

from bench.context import Context
from bench.scenarios import api_reads, ingest
from bench.stats import fmt, spread, table, target
from incidents.models import Incident
from incidents.selectors import incident_list
from tenants.models import Membership

NAME = "growth"
TITLE = "Growth"
FLAT = 1.5
READS = {
    "list": "list, first page",
    "list_deep": "list, page at 90 %",
    "detail": "detail",
    "bare_list": "bare list (baseline)",
}
WINDOW_BATCHES = 5


def _reads(ctx: Context) -> dict[str, dict[str, dict]]:
    size = ctx.size
    data = ctx.read_data()
    server = ctx.http_server()
    out: dict[str, dict[str, dict]] = {name: {} for name in READS}
    for count, tenant in data.by_size.items():
        cursor = api_reads.deep_cursor(tenant)
        named = {
            name: api_reads.request_pairs(tenant, "list", cursor=cursor)
            if name == "list_deep"
            else api_reads.request_pairs(tenant, name)
            for name in READS
        }
        for name, result in api_reads.measure(ctx, server, named, size.growth_concurrency).items():
            out[name][str(count)] = result.as_dict()
            ctx.log(
                f"  {count:>7,} incidents {name:<10} {result.rps:8.1f} req/s  "
                f"p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms"
            )
    return out


def _ingest_marks(curve: list[dict[str, Any]], marks: tuple[int, ...]) -> dict[str, float]:
    """Mean cost per row of the last few batches that finished at or before each mark."""
    points = {}
    for mark in marks:
        before = [p for p in curve if p["stored"] <= mark] or curve[:1]
        window = before[-WINDOW_BATCHES:]
        points[str(mark)] = sum(p["us_per_row"] for p in window) / len(window)
    return points


def _plan(tenant: Any, position: int | None) -> dict[str, Any]:
    """PostgreSQL's plan for the API's page query: the index it walks, the rows it reads and
    throws away (other organisations'), its execution time. Unlike latency under load, the
    rows read do not depend on what else the machine is doing."""
    membership = Membership.objects.get(
        user__auth_token_set__token_key=tenant.tokens[0][: CONSTANTS.TOKEN_KEY_LENGTH]
    )
    queryset = incident_list(membership=membership).order_by("-id")
    if position is not None:
        queryset = queryset.filter(id__lt=position)
    plan = json.loads(queryset[:51].explain(format="json", analyze=True))[0]
    scans = []

    def walk(node: dict) -> None:
        if node.get("Relation Name") == Incident._meta.db_table:
            scans.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    scan = scans[0] if scans else {}
    return {
        "index": scan.get("Index Name", scan.get("Node Type", "?")),
        "rows_removed": int(scan.get("Rows Removed by Filter", 0)),
        "ms": plan["Execution Time"],
    }


def plans(ctx: Context) -> dict[str, dict[str, dict]]:
    data = ctx.read_data()
    out: dict[str, dict[str, dict]] = {}
    tenants = {str(count): tenant for count, tenant in data.by_size.items()}
    tenants["quiet"] = data.quiet
    for label, tenant in tenants.items():
        ids = sorted(tenant.incident_ids, reverse=True)
        out[label] = {
            "first": _plan(tenant, None),
            "deep": _plan(tenant, ids[min(len(ids) - 1, int(len(ids) * 0.9))]),
        }
    return out


def run(ctx: Context) -> dict[str, Any]:
    reads = _reads(ctx)
    query_plans = plans(ctx)
    counts = api_reads.query_counts_by_size(ctx)
    api = ingest.api_ingest(ctx)  # measured by the ingest scenario when it ran in this run
    marks = _ingest_marks(api["curve"], ctx.size.ingest_marks)
    read_spread = {
        name: spread([r["p50_ms"] for r in by_size.values()]) for name, by_size in reads.items()
    }
    ingest_spread = spread(list(marks.values()))
    sizes = list(reads["list"])
    paginated = max(read_spread["list"], read_spread["list_deep"])
    return {
        "plans": query_plans,
        "concurrency": ctx.size.growth_concurrency,
        "reads": reads,
        "read_spread_p50": read_spread,
        "query_counts": counts,
        "ingest_marks_us_per_row": marks,
        "ingest_spread": ingest_spread,
        "ingest_curve": [[p["stored"], round(p["us_per_row"], 2)] for p in api["curve"]],
        "targets": [
            target(
                "paginated list p50 latency across sizes",
                f"flat: largest / smallest ≤ {FLAT} ({int(sizes[0]):,} → {int(sizes[-1]):,} incidents)",
                f"first page {read_spread['list']:.2f}, page at 90 % {read_spread['list_deep']:.2f}",
                paginated <= FLAT,
            ),
            target(
                "ingest cost per row as the table grows",
                f"flat: largest / smallest ≤ {FLAT} ({', '.join(f'{int(m):,}' for m in marks)} rows)",
                f"{ingest_spread:.2f} ({', '.join(f'{v:.0f}' for v in marks.values())} µs/row)",
                ingest_spread <= FLAT,
            ),
        ],
    }


def markdown(result: dict[str, Any]) -> str:
    sizes = list(result["reads"]["list"])
    rows = []
    for name, label in READS.items():
        by_size = result["reads"][name]
        rows.append(
            [label]
            + [
                f"{fmt(by_size[s]['p50_ms'])} / {fmt(by_size[s]['p99_ms'])} / {fmt(by_size[s]['rps'])}"
                for s in sizes
            ]
            + [f"{result['read_spread_p50'][name]:.2f}"]
        )
    count_rows = [
        [f"{int(n):,}", c["list"], c["list_deep"], c["detail"]]
        for n, c in result["query_counts"].items()
    ]
    marks = result["ingest_marks_us_per_row"]
    return "\n\n".join(
        [
            f"Reads at concurrency {result['concurrency']}; each cell p50 ms / p99 ms / req/s.",
            table(
                ["endpoint", *[f"{int(s):,} incidents" for s in sizes], "p50 largest / smallest"],
                rows,
            ),
            table(["incidents", "queries: list", "list, page at 90 %", "detail"], count_rows),
            *_plans_markdown(result),
            "Ingest cost per row (HTTP bulk API, batches of 1,000), mean of the last "
            f"{WINDOW_BATCHES} batches finished by each size of the mention table:",
            table(
                ["rows stored", *[f"{int(m):,}" for m in marks], "largest / smallest"],
                [
                    [
                        "µs per row",
                        *[f"{v:.0f}" for v in marks.values()],
                        f"{result['ingest_spread']:.2f}",
                    ]
                ],
            ),
        ]
    )


def _plans_markdown(result: dict[str, Any]) -> list[str]:
    if "plans" not in result:
        return []
    rows = []
    for label, pages in result["plans"].items():
        name = "quiet organisation (all older)" if label == "quiet" else f"{int(label):,} incidents"
        for page, plan in pages.items():
            rows.append(
                [
                    name,
                    "first" if page == "first" else "at 90 %",
                    f"`{plan['index']}`",
                    f"{plan['rows_removed']:,}",
                    f"{plan['ms']:.2f}",
                ]
            )
    return [
        "PostgreSQL's plan for the API's page query (`EXPLAIN ANALYZE`, in-process, the "
        "same queryset): which index it walks, how many rows of other organisations it reads "
        "and discards, and its execution time.",
        table(["organisation", "page", "index", "rows read and discarded", "ms"], rows),
    ]


def chart(result: dict[str, Any], path: str) -> None:
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    sizes = [int(s) for s in result["reads"]["list"]]
    for name, label in READS.items():
        left.plot(
            sizes, [result["reads"][name][str(s)]["p50_ms"] for s in sizes], marker="o", label=label
        )
    left.set_xscale("log")
    left.set_ylim(bottom=0)
    left.set_xlabel("incidents in the organisation (log)")
    left.set_ylabel(f"p50 latency, ms (concurrency {result['concurrency']})")
    left.set_title("Paginated reads")
    left.legend(fontsize=8)
    curve = result["ingest_curve"]
    right.plot([p[0] for p in curve], [p[1] for p in curve], ".", alpha=0.5, label="each batch")
    marks = result["ingest_marks_us_per_row"]
    right.plot(
        [int(m) for m in marks], list(marks.values()), "o-", color="#cc0000", label="at each size"
    )
    right.set_xscale("log")
    right.set_ylim(bottom=0)
    right.set_xlabel("mentions stored (log)")
    right.set_ylabel("µs per mention")
    right.set_title("Ingest cost per row")
    right.legend(fontsize=8)
    fig.suptitle("5. Growth")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
