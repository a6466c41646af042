"""The machine, the software versions and the commit a run measured (no git command needed)."""

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench.config import ROOT, RunConfig

PACKAGES = (
    "Django",
    "djangorestframework",
    "channels",
    "channels-redis",
    "uvicorn",
    "websockets",
    "psycopg",
    "redis",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                name = line.split("=", 1)[1].strip().strip('"')
                return f"{name} (Linux {platform.release()})"
    except OSError:
        pass
    return platform.platform()


def git_commit() -> str:
    """HEAD's commit, read from .git (HEAD, the loose ref or packed-refs)."""
    git = ROOT / ".git"
    if git.is_file():  # a worktree: "gitdir: <path>"
        git = Path(git.read_text().split(":", 1)[1].strip())
    try:
        head = (git / "HEAD").read_text().strip()
    except OSError:
        return "unknown"
    if not head.startswith("ref:"):
        return head
    ref = head.split(":", 1)[1].strip()
    loose = git / ref
    if loose.is_file():
        return loose.read_text().strip()
    packed = git / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    return f"unknown ({ref})"


def _redis_version(url: str) -> str:
    import redis

    try:
        return redis.Redis.from_url(url).info("server")["redis_version"]
    except Exception as exc:  # noqa: BLE001 (recorded, not fatal)
        return f"unavailable ({exc.__class__.__name__})"


def _wrk_version(wrk: str | None) -> str:
    if not wrk:
        return "not installed (Python load generator)"
    completed = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    text = (completed.stdout or completed.stderr).strip().splitlines()
    return text[0] if text else "wrk"


def machine_info(config: RunConfig, wrk: str | None) -> dict[str, str]:
    from bench.database import server_versions

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    load = os.getloadavg()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": _memory(),
        "os": _os_name(),
        "python": platform.python_version(),
        **server_versions(config),
        "redis": _redis_version(config.redis_url),
        "load_tool": _wrk_version(wrk),
        "load_average_at_start": " ".join(f"{v:.2f}" for v in load),
        **{f"package.{k}": v for k, v in versions.items()},
    }
