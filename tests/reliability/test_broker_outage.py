"""Issue 14, problem 2: the Celery worker survives its broker dropping while it holds a retrying
task (a webhook delivery waiting out its countdown), and the task still runs, once.

A real worker process (prefork, as deployed) against the test database and a local webhook
receiver. The test leaves a webhook delivery as its first failed attempt does (the row pending,
a delivery_send task with a countdown in the broker), waits until the worker holds the task,
then drops the broker:

- Redis: a private redis-server with AOF persistence (the broker's documented setup) is
  killed with SIGKILL and started again on the same port. Before the fix the worker ended with
  `Unrecoverable error: AttributeError("'NoneType' object has no attribute 'hostname'")`
  (crisisdesk/redis_broker.py says why). The message held comes back from Redis's unacked set
  after the visibility timeout (shortened here through CELERY_VISIBILITY_TIMEOUT).
- RabbitMQ (the production broker): the machine's server, reached through a TCP proxy on a
  free port that is not up yet when the worker starts (it retries instead of exiting) and
  that the test then cuts and restores (the shared server itself is never touched; the
  test's queue has a name of its own and is deleted afterwards). RabbitMQ puts the unacked
  message back as soon as the connection drops; the worker reconnects and runs it.

Counted: worker alive after the outage, tasks lost (the delivery never reached the receiver),
duplicate deliveries (the receiver saw the delivery id more than once). All must be 0 / alive.
"""

import json
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from kombu import Connection

from crisisdesk.celery import app
from incidents.notifications.delivery import DELIVERY_TASK
from incidents.notifications.models import Channel, Delivery, WebhookDelivery
from tests.local_http import LocalServer, local_server
from tests.servers import ROOT, PrivateRedis, TcpProxy, Worker, child_env, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # The test publishes through the real broker, whatever the suite's eager setting.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

RABBITMQ = ("127.0.0.1", 5672)
COUNTDOWN = 8  # seconds the retry waits: the broker drops while the worker holds it
VISIBILITY_TIMEOUT = 12  # Redis: seconds before an unacknowledged message is delivered again


@pytest.fixture
def receiver() -> Iterator[LocalServer]:
    with local_server() as server:
        yield server


@pytest.fixture
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="crisisdesk-broker-") as name:
        yield Path(name)


def _publish_retry(broker_url: str, organisation_id: int, queue: str) -> str:
    """What a webhook delivery's first failed attempt leaves behind: its row back to pending,
    due in COUNTDOWN seconds, and a delivery_send task with that countdown in the broker
    (incidents/notifications/delivery.py). No beat runs here: the sweep, the delivery path's
    other net, cannot make up for the broker."""
    delivery_id = str(uuid.uuid4())
    envelope = {"id": delivery_id, "type": "incident.created", "data": {"drill": True}}
    row = Delivery.objects.create(
        organisation_id=organisation_id,
        channel=Channel.WEBHOOK,
        kind="incident.created",
        payload={"event_type": "incident.created", "envelope": envelope},
        delivery_id=delivery_id,
        attempts=1,
        last_error="HTTP 503",
        next_attempt_at=timezone.now() + timedelta(seconds=COUNTDOWN),
    )
    with Connection(broker_url) as connection:
        app.send_task(
            DELIVERY_TASK, args=[row.pk], countdown=COUNTDOWN, queue=queue, connection=connection
        )
    return delivery_id


def _deliveries(receiver: LocalServer, delivery_id: str) -> int:
    return sum(
        1 for seen in receiver.seen if seen.headers.get("X-CrisisDesk-Delivery") == delivery_id
    )


def _figures(name: str, worker: Worker, receiver: LocalServer, delivery_id: str) -> dict:
    received = _deliveries(receiver, delivery_id)
    figures = {
        "broker": name,
        "worker_alive": worker.alive(),
        "tasks_lost": 0 if received else 1,
        "duplicate_deliveries": max(received - 1, 0),
        "attempts_logged": WebhookDelivery.objects.filter(delivery_id=delivery_id).count(),
        "state": Delivery.objects.all_tenants().get(delivery_id=delivery_id).state,
    }
    print("broker outage figures:", json.dumps(figures))
    return figures


def test_the_worker_survives_redis_dropping_under_a_retrying_webhook(
    agency, receiver: LocalServer, folder: Path
) -> None:
    agency.org.webhook_url = receiver.url("/hooks")
    agency.org.save()
    redis = PrivateRedis(appendonly=True)
    redis.start()
    worker = Worker(
        child_env(
            CELERY_BROKER_URL=redis.url,
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            OUTBOUND_ALLOW_HOSTS=f"127.0.0.1:{receiver.port}",
            REDIS_URL="",
        ),
        folder,
    )
    try:
        worker.start()
        mark = len(worker.log())
        delivery_id = _publish_retry(redis.url, agency.org.id, "celery")
        worker.wait_for_log(f"{DELIVERY_TASK}[", timeout=10, after=mark)  # "… received"
        assert _deliveries(receiver, delivery_id) == 0  # held, waiting out its countdown

        redis.kill()
        time.sleep(2)
        redis.start()  # the same port, its AOF replayed

        wait_until(lambda: _deliveries(receiver, delivery_id) or not worker.alive(), 45,
                   "the held webhook delivered after Redis came back")  # fmt: skip
        time.sleep(1)  # a second delivery, if any, would follow at once
        figures = _figures("redis", worker, receiver, delivery_id)
        assert figures["worker_alive"], worker.log()[-4000:]
        assert "Unrecoverable error" not in worker.log()
        assert figures["tasks_lost"] == 0
        assert figures["duplicate_deliveries"] == 0
        assert figures["attempts_logged"] == 1
        assert figures["state"] == Delivery.State.DELIVERED
    finally:
        worker.stop()
        redis.remove()


def _rabbitmq_reachable() -> None:
    try:
        with socket.create_connection(RABBITMQ, timeout=3):
            return
    except OSError as exc:
        pytest.fail(
            f"RabbitMQ is not reachable on {RABBITMQ[0]}:{RABBITMQ[1]} ({exc}): the broker "
            "fault test needs it (CI and this machine run it; guest/guest)"
        )


def test_the_worker_survives_rabbitmq_dropping_under_a_retrying_webhook(
    agency, receiver: LocalServer, folder: Path
) -> None:
    _rabbitmq_reachable()
    agency.org.webhook_url = receiver.url("/hooks")
    agency.org.save()
    queue = f"crisisdesk-test-{uuid.uuid4().hex[:12]}"
    proxy = TcpProxy(RABBITMQ)  # not listening yet: the broker is away when the worker starts
    broker_url = f"amqp://guest:guest@127.0.0.1:{proxy.port}//"
    worker = Worker(
        child_env(
            CELERY_BROKER_URL=broker_url,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            OUTBOUND_ALLOW_HOSTS=f"127.0.0.1:{receiver.port}",
            REDIS_URL="",
        ),
        folder,
    )
    try:
        worker.start(wait=False)
        worker.wait_for_log("Cannot connect to amqp://", timeout=60)  # retrying, not exiting
        proxy.start()
        worker.wait_for_log(" ready.", timeout=30)
        mark = len(worker.log())
        delivery_id = _publish_retry(broker_url, agency.org.id, queue)
        worker.wait_for_log(f"{DELIVERY_TASK}[", timeout=10, after=mark)
        assert _deliveries(receiver, delivery_id) == 0
        connections_before = proxy.connections

        proxy.cut()  # every connection dropped, new ones refused
        time.sleep(2)
        proxy.restore()

        wait_until(lambda: _deliveries(receiver, delivery_id) or not worker.alive(), 45,
                   "the held webhook delivered after RabbitMQ came back")  # fmt: skip
        time.sleep(1)
        figures = _figures("rabbitmq", worker, receiver, delivery_id)
        assert proxy.connections > connections_before  # the worker did reconnect
        assert figures["worker_alive"], worker.log()[-4000:]
        assert "Unrecoverable error" not in worker.log()
        assert figures["tasks_lost"] == 0
        assert figures["duplicate_deliveries"] == 0
        assert figures["attempts_logged"] == 1
        assert figures["state"] == Delivery.State.DELIVERED
    finally:
        worker.stop()
        proxy.cut()
        with Connection(f"amqp://guest:guest@{RABBITMQ[0]}:{RABBITMQ[1]}//") as connection:
            connection.default_channel.queue_delete(queue)


def test_the_production_broker_settings_are_durable_and_retry_forever() -> None:
    """With an amqp:// CELERY_BROKER_URL: publisher confirms, persistent messages on a durable
    queue, reconnecting forever at start and while running (crisisdesk/settings.py)."""
    code = (
        "import json; from crisisdesk.celery import app; c = app.conf; "
        "print(json.dumps([c.broker_transport_options, c.task_default_delivery_mode, "
        "c.broker_connection_retry, c.broker_connection_retry_on_startup, "
        "c.broker_connection_max_retries, c.task_acks_late, "
        "app.amqp.queues[c.task_default_queue].durable]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env(
            CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//",
            DJANGO_SETTINGS_MODULE="crisisdesk.settings",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    options, mode, retry, on_startup, max_retries, acks_late, durable = json.loads(
        done.stdout.strip().splitlines()[-1]
    )
    assert options == {"confirm_publish": True}
    assert mode == "persistent"
    assert (retry, on_startup, max_retries) == (True, True, None)
    assert acks_late is True
    assert durable is True
