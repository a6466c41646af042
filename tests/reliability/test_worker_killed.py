"""A worker killed during a webhook POST (issue 14, problem 3): the delivery was recorded before
the POST, the broker hands the task to a new worker within a minute, and the receiver gets the
webhook again with the same delivery id — nothing lost, the repeat recognisable.

Real processes: a private redis-server on a free port as the broker (the product's Redis
transport settings: acks late, visibility timeout 50 s), a Celery worker started as the deploy
units start it (prefork, one child), SIGKILLed with its child while the local receiver stalls
the first POST, then a fresh worker. Before the delivery path the task wrote no row before the
POST and Redis held the unacknowledged message for 3,600 s: no redelivery within the test.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from incidents.notifications.models import Delivery
from tests.servers import PrivateRedis, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
WORKER = [
    *(sys.executable, "-m", "celery", "-A", "crisisdesk", "worker"),
    *("--concurrency", "1", "--loglevel", "INFO", "--without-gossip", "--without-mingle"),
]
REDELIVERY_BOUND = 60  # seconds from the kill: a 50 s visibility timeout, 5 s sweeps


class Receiver(ThreadingHTTPServer):
    """Stalls the first POST until released (the worker is killed meanwhile); 200 afterwards."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[float, str, bytes]] = []  # (when, X-CrisisDesk-Delivery, body)
        self.first_post = threading.Event()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen.append(
            (time.monotonic(), self.headers.get("X-CrisisDesk-Delivery", ""), body)
        )
        if len(self.server.seen) == 1:
            self.server.first_post.set()
            self.server.release.wait(30)
            self.close_connection = True
            return  # no answer: the sender is dead by now
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def broker() -> Iterator[str]:
    """A private redis-server (never the machine's shared one), without persistence."""
    redis = PrivateRedis()
    redis.start()
    try:
        yield redis.url
    finally:
        redis.remove()


class Product:
    """The worker's environment: this test's database, the private broker."""

    def __init__(self, folder: Path, broker: str, receiver: Receiver) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker,
            "CELERY_BROKER_URL": broker,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "OUTBOUND_ALLOW_HOSTS": f"127.0.0.1:{receiver.server_address[1]}",
            "DJANGO_SETTINGS_MODULE": "crisisdesk.settings",
        }
        self.workers: list[subprocess.Popen] = []

    def worker(self, name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [*WORKER, "--hostname", f"{name}@%h"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill takes the pool child too
        )
        self.workers.append(process)
        return process

    def record(self, organisation_id: int) -> int:
        """Decide to send, as a service does: notify() inside a transaction, the task sent
        to the broker on commit. Another process, so the product's own enqueueing is used."""
        code = (
            "from django.db import transaction\n"
            "from incidents.notifications.models import Channel\n"
            "from incidents.notifications.services import notify\n"
            "from tenants.models import Organisation\n"
            f"org = Organisation.objects.get(pk={organisation_id})\n"
            "with transaction.atomic():\n"
            "    d = notify(organisation=org, channel=Channel.WEBHOOK, kind='incident.test',\n"
            "               data={'hello': 'мир'})\n"
            "print(d.pk)\n"
        )
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return int(done.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(self.folder.glob("*.log"))
        )


def test_a_worker_killed_during_a_webhook_post_loses_nothing(
    agency, receiver, broker, tmp_path
) -> None:
    agency.org.webhook_url = receiver.url
    agency.org.save(update_fields=["webhook_url"])
    product = Product(tmp_path, broker, receiver)
    try:
        first = product.worker("first")
        pk = product.record(agency.org.id)
        assert receiver.first_post.wait(120), "the first worker never posted"

        # Recorded before it was sent: the row exists, claimed, while the POST is in flight.
        during = Delivery.objects.get(pk=pk)
        assert during.state == Delivery.State.SENDING
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
        receiver.release.set()

        product.worker("second")
        deadline = killed_at + REDELIVERY_BOUND + 30
        delivery = Delivery.objects.get(pk=pk)
        while delivery.state != Delivery.State.DELIVERED and time.monotonic() < deadline:
            time.sleep(0.5)
            delivery.refresh_from_db()

        assert delivery.state == Delivery.State.DELIVERED, (delivery.state, delivery.last_error)
        ids = {seen_id for _, seen_id, _ in receiver.seen}
        assert ids == {str(delivery.delivery_id)}  # every repeat carries the same id
        assert len(receiver.seen) == 2  # the interrupted POST, then the redelivered one
        assert {json.loads(body)["id"] for *_, body in receiver.seen} == ids
        redelivered_after = receiver.seen[1][0] - killed_at
        assert redelivered_after < REDELIVERY_BOUND, redelivered_after
        print(f"redelivered {redelivered_after:.1f} s after the kill")
        assert Delivery.objects.filter(organisation=agency.org).count() == 1
    finally:
        product.stop()
        print(product.logs())
