"""The product's ASGI server (uvicorn) as the scenarios run it, and the memory of its processes."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.config import ROOT, RunConfig, server_environment


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return found


def rss_kib(pid: int) -> int:
    """Resident memory of one process (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@dataclass
class Server:
    """One uvicorn master; with workers > 1 its children serve, sharing the port."""

    name: str
    port: int
    workers: int
    process: subprocess.Popen
    log_path: Path
    worker_pids: list[int] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def serving_pids(self) -> list[int]:
        return self.worker_pids or [self.process.pid]

    def rss_kib(self) -> dict[int, int]:
        return {pid: rss_kib(pid) for pid in self.serving_pids}

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def server_start(
    config: RunConfig, *, name: str, workers: int = 1, env: dict[str, str] | None = None
) -> Server:
    """Start `uvicorn crisisdesk.asgi:application` and wait until every worker answers."""
    port = free_port()
    log_path = config.work_dir / f"server-{name}-{port}.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "crisisdesk.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--lifespan",
        "off",
        "--backlog",
        "4096",
        # Sockets still open at the end must not hold the next scenario back.
        "--timeout-graceful-shutdown",
        "3",
        # The production flag (docs/deploy.md): events are a few hundred bytes, compression
        # gains little and costs a deflate context per socket (bench/FINDINGS.md).
        "--ws-per-message-deflate",
        os.environ.get("BENCH_WS_DEFLATE", "false"),
    ]
    if workers > 1:
        command += ["--workers", str(workers)]
    log = log_path.open("w")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=server_environment(config, **(env or {})),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(name, port, workers, process, log_path)
    try:
        _wait_ready(server)
    except Exception:
        server.stop()
        raise
    return server


def _wait_ready(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server {server.name} exited:\n{server.log_tail()}")
        if server.workers > 1:
            server.worker_pids = _children(server.process.pid)
        try:
            response = httpx.get(f"{server.base_url}/bench/ping/", timeout=2)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        if response.status_code != 401:
            raise RuntimeError(
                f"server {server.name}: /bench/ping/ answered {response.status_code}, not 401 "
                "(is CRISISDESK_BENCH mounting bench/urls.py?)"
            )
        if server.workers > 1 and len(server.worker_pids) < server.workers:
            time.sleep(0.2)
            continue
        if server.workers > 1:
            # Every worker must have loaded the application, not only the first to accept.
            for _ in range(4 * server.workers):
                httpx.get(f"{server.base_url}/bench/ping/", timeout=10)
        return
    raise TimeoutError(f"server {server.name} did not start:\n{server.log_tail()}")


def raise_open_files_limit() -> int:
    """Thousands of sockets in one process: lift the soft limit to the hard one."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
