"""HTTP load: wrk (Debian's package) with a Lua script, or a small asyncio generator.

Both keep `concurrency` connections busy for a fixed time, each request taking the next
(path, token) pair, and report throughput and latency percentiles the same way.
"""

import asyncio
import json
import math
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import quantiles

from bench.config import BENCH_DIR

LUA_SCRIPT = BENCH_DIR / "wrk" / "rotate.lua"


@dataclass
class LoadResult:
    tool: str
    concurrency: int
    seconds: float
    requests: int
    errors: int  # connection errors, timeouts and non-2xx answers
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float

    def as_dict(self) -> dict:
        return asdict(self)


def wrk_path(*, install: bool, log: Callable[[str], None] = print) -> str | None:
    """wrk, installed from Debian's packages when missing (root only) if `install`."""
    found = shutil.which("wrk")
    if found or not install:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    log("wrk is missing: apt-get install -y wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "install", "-y", "-q", "wrk"], ["apt-get", "update", "-q"]):
        try:
            subprocess.run(command, env=env, check=False, timeout=300, capture_output=True)
        except subprocess.TimeoutExpired:
            return None
        if shutil.which("wrk"):
            return shutil.which("wrk")
    try:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"],
            env=env,
            check=False,
            timeout=300,
            capture_output=True,
        )
    except subprocess.TimeoutExpired:
        return None
    return shutil.which("wrk")


def _requests_file(pairs: Sequence[tuple[str, str]]) -> str:
    with tempfile.NamedTemporaryFile(
        "w", prefix="bench-wrk-", suffix=".tsv", delete=False, encoding="utf-8"
    ) as handle:
        for path, token in pairs:
            handle.write(f"{path}\t{token}\n")
    return handle.name


def run_wrk(
    wrk: str, base_url: str, pairs: Sequence[tuple[str, str]], concurrency: int, seconds: float
) -> LoadResult:
    requests_file = _requests_file(pairs)
    try:
        command = [
            wrk,
            f"-t{min(2, concurrency)}",
            f"-c{concurrency}",
            f"-d{max(1, math.ceil(seconds))}s",
            # Long enough that an overloaded server is measured, not abandoned: a client that
            # gives up reconnects while its request still runs, piling up more work.
            "--timeout",
            "30s",
            "-s",
            str(LUA_SCRIPT),
            base_url + "/",
        ]
        completed = subprocess.run(
            command,
            env={**os.environ, "BENCH_WRK_REQUESTS": requests_file},
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        Path(requests_file).unlink(missing_ok=True)
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr[-2000:]}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    duration = data["duration_us"] / 1e6
    errors = sum(data[k] for k in data if k.startswith("errors_"))
    return LoadResult(
        tool="wrk",
        concurrency=concurrency,
        seconds=duration,
        requests=data["requests"],
        errors=errors,
        rps=data["requests"] / duration if duration else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
    )


# --- the fallback: asyncio, raw HTTP/1.1 keep-alive connections ---


async def _response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _connection(
    host: str,
    port: int,
    raw: list[bytes],
    start: int,
    deadline: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    index = start
    try:
        while time.perf_counter() < deadline:
            request = raw[index % len(raw)]
            index += 1
            began = time.perf_counter()
            writer.write(request)
            try:
                status = await asyncio.wait_for(_response(reader), timeout=30)
            except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                errors[0] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            latencies.append(time.perf_counter() - began)
            if not 200 <= status < 300:
                errors[0] += 1
    finally:
        writer.close()


async def _python_load(
    host: str, port: int, raw: list[bytes], concurrency: int, seconds: float
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = [0]
    began = time.perf_counter()
    deadline = began + seconds
    step = max(1, len(raw) // concurrency)
    await asyncio.gather(
        *(
            _connection(host, port, raw, i * step, deadline, latencies, errors)
            for i in range(concurrency)
        )
    )
    return latencies, errors[0], time.perf_counter() - began


def run_python(
    base_url: str, pairs: Sequence[tuple[str, str]], concurrency: int, seconds: float
) -> LoadResult:
    host, port = base_url.removeprefix("http://").split(":")
    raw = [
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Token {token}\r\n"
            "Connection: keep-alive\r\n\r\n"
        ).encode()
        for path, token in pairs
    ]
    latencies, errors, elapsed = asyncio.run(
        _python_load(host, int(port), raw, concurrency, seconds)
    )
    if len(latencies) < 2:
        raise RuntimeError("the Python load generator completed fewer than 2 requests")
    cuts = quantiles(latencies, n=100, method="inclusive")
    return LoadResult(
        tool="python",
        concurrency=concurrency,
        seconds=elapsed,
        requests=len(latencies),
        errors=errors,
        rps=len(latencies) / elapsed,
        p50_ms=cuts[49] * 1000,
        p90_ms=cuts[89] * 1000,
        p99_ms=cuts[98] * 1000,
        mean_ms=sum(latencies) / len(latencies) * 1000,
    )


def combine(parts: Sequence[LoadResult]) -> LoadResult:
    """Rounds of one load point as one: total throughput, request-weighted percentiles."""
    if len(parts) == 1:
        return parts[0]
    requests = sum(p.requests for p in parts)
    seconds = sum(p.seconds for p in parts)

    def weighted(name: str) -> float:
        if not requests:
            return 0.0
        return sum(getattr(p, name) * p.requests for p in parts) / requests

    return LoadResult(
        tool=parts[0].tool,
        concurrency=parts[0].concurrency,
        seconds=seconds,
        requests=requests,
        errors=sum(p.errors for p in parts),
        rps=requests / seconds if seconds else 0.0,
        p50_ms=weighted("p50_ms"),
        p90_ms=weighted("p90_ms"),
        p99_ms=weighted("p99_ms"),
        mean_ms=weighted("mean_ms"),
    )


def run_load(
    wrk: str | None,
    base_url: str,
    pairs: Sequence[tuple[str, str]],
    concurrency: int,
    seconds: float,
) -> LoadResult:
    if wrk:
        return run_wrk(wrk, base_url, pairs, concurrency, seconds)
    return run_python(base_url, pairs, concurrency, seconds)
