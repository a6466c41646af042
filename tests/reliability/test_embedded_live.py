"""The embedded run (`make run`: SQLite, no Redis, daphne and a Celery worker from Procfile.dev)
is live for every process: an incident opened by `manage.py demo_spike` in another process and
an SLA breach written by the worker reach a team member's socket within 2 s of their commit.

Before the event relay the in-memory channel layer of the writing process was the only path:
nothing written outside the web process ever reached a socket (issue 14, problem 1)."""

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import websockets

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]
# As Procfile.dev starts them.
DAPHNE = [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]
WORKER = [
    *(sys.executable, "-m", "celery", "-A", "crisisdesk", "worker", "--beat"),
    *("--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"),
    *("--concurrency", "1", "--loglevel", "INFO"),
]


class Embedded:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
        env.update(
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            CELERY_BROKER_DIR=str(folder / "broker"),
            DJANGO_SETTINGS_MODULE="crisisdesk.settings",
        )
        self.env = env
        self.port = free_port()
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [*MANAGE, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        return done.stdout

    def python(self, code: str) -> str:
        return self.manage("shell", "-c", code).strip()

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in self.folder.glob("*.log")
        )


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedded]:
    """What `make run` does: migrate, seed, then Procfile.dev's web and worker processes."""
    product = Embedded(tmp_path_factory.mktemp("embedded"))
    product.manage("migrate", "--noinput")
    product.manage("seed_demo")
    web = product.start(
        "web",
        [*DAPHNE, "-p", str(product.port), "crisisdesk.asgi:application"],
    )
    product.start(
        "worker",
        WORKER,
    )
    try:
        wait_for_port(product.port, web, timeout=60)
        yield product
    finally:
        product.stop()
        print(product.logs())  # shown when a test fails


TICKET = (
    "from django.contrib.auth import get_user_model; from tenants.services import ws_ticket_issue;"
    " print(ws_ticket_issue(by=get_user_model().objects.get(username='demo-responder')))"
)


async def _socket(product: Embedded):
    ticket = (await asyncio.to_thread(product.python, TICKET)).splitlines()[-1]
    ws = await websockets.connect(
        f"ws://127.0.0.1:{product.port}/ws/v1/orgs/demo/?ticket={ticket}",
        origin=f"http://127.0.0.1:{product.port}",
    )
    hello = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    assert hello["type"] == "hello"
    return ws


async def _wait_for(ws, match, timeout: float) -> tuple[dict, float]:
    """The first event `match` accepts and when it arrived (time.time())."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "the event never reached the socket"
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=remaining))
        if message.get("type") == "incident.event" and match(message):
            return message, time.time()


def _created(message: dict) -> float:
    return datetime.fromisoformat(message["event"]["created_at"].replace("Z", "+00:00")).timestamp()


def test_an_incident_opened_by_a_management_command_is_live(embedded: Embedded) -> None:
    async def scenario() -> None:
        async with await _socket(embedded) as ws:
            command = asyncio.create_task(asyncio.to_thread(embedded.manage, "demo_spike"))
            message, received = await _wait_for(
                ws, lambda m: m["event"]["kind"] == "created", timeout=120
            )
            output = await command
            # The command has committed before it exits: the push is due 2 s after, at most.
            finished = time.time()
            assert "opened by monitoring" in output, output
            assert message["event"]["payload"]["source"] == "monitoring"
            print(f"received {received - _created(message):.2f} s after the insert")
            assert received - finished < 2.0

    asyncio.run(scenario())


SLA_INCIDENT = (
    "from datetime import timedelta; from django.utils import timezone;"
    " from incidents.services import incident_create; from tenants.models import Brand;"
    " brand = Brand.objects.get(slug='severny-kofe');"
    " print(incident_create(brand=brand, title='Overdue', severity='sev1', by=None,"
    " detected_at=timezone.now() - timedelta(days=2)).id)"
)
SLA_RUN = (
    "from crisisdesk.celery import app; print(app.send_task('incidents.tasks.sla_check_run').id)"
)


async def _task_succeeded(product: Embedded, task_id: str) -> float:
    """When the worker logged the task's success (its log lines carry local time)."""
    pattern = re.compile(
        rf"\[(\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}}):[^\]]*\] Task [\w.]+\[{task_id}\] succeeded"
    )
    for _ in range(300):
        found = pattern.search((product.folder / "worker.log").read_text(errors="replace"))
        if found:
            return datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        await asyncio.sleep(0.1)
    raise AssertionError("the worker never finished the task")


def test_an_sla_breach_written_by_the_worker_is_live(embedded: Embedded) -> None:
    incident = int(embedded.python(SLA_INCIDENT).splitlines()[-1])

    async def scenario() -> None:
        async with await _socket(embedded) as ws:
            # Read the socket while the command runs: the worker may finish the task before
            # the command's process has exited.
            command = asyncio.create_task(asyncio.to_thread(embedded.python, SLA_RUN))
            # The worker picks the task up within its broker's polling interval.
            message, received = await _wait_for(
                ws,
                lambda m: m["incident"] == incident and m["event"]["kind"] == "sla_breached",
                timeout=120,
            )
            assert message["event"]["actor"] is None
            task_id = (await command).splitlines()[-1]
            # The task has committed before the worker logs its success: the push is due
            # 2 s after, at most (it usually comes before the log line).
            succeeded = await _task_succeeded(embedded, task_id)
            print(f"received {received - succeeded:+.2f} s after the task succeeded")
            assert received - succeeded < 2.0

    asyncio.run(scenario())


REPORTS = (
    "import json; from incidents.postmortems.models import BrandReport;"
    " print(json.dumps([(r.state, r.progress, bytes(r.pdf or b'')[:5].decode(), len(r.html))"
    " for r in BrandReport.objects.all_tenants().order_by('id')]))"
)


def test_the_embedded_worker_generates_the_monthly_reports(embedded: Embedded) -> None:
    """The demo asks for last month's report of each brand (seed_demo, before the worker
    started): the embedded run's worker takes them from the filesystem broker and makes
    them, on SQLite, with their progress at 100 and a PDF and an HTML page each (issue 20)."""
    deadline = time.monotonic() + 180
    while True:
        rows = json.loads(embedded.python(REPORTS).splitlines()[-1])
        if rows and all(state in ("ready", "failed") for state, *_ in rows):
            break
        assert time.monotonic() < deadline, (rows, embedded.logs())
        time.sleep(2)
    assert len(rows) >= 2
    assert all(state == "ready" and progress == 100 for state, progress, *_ in rows), rows
    assert all(pdf == "%PDF-" and html > 1000 for _, _, pdf, html in rows), rows
