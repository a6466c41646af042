"""PostgreSQL connection settings from the environment: the planner's random_page_cost and the
optional connection pool (DB_POOL_MAX) that bounds an ASGI process's connections."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres

# Sixteen threads, each a request as Django runs it under ASGI (a thread of its own): query,
# then close, as the request_finished signal does.
POOL_SCRIPT = """
import json, threading
import django
django.setup()
from django.db import connection, close_old_connections

pids, lock, start = set(), threading.Lock(), threading.Barrier(16)

def request():
    start.wait()
    for _ in range(5):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.01)")
            pid = cursor.fetchone()[0]
        with lock:
            pids.add(pid)
        connection.close()

threads = [threading.Thread(target=request) for _ in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"pids": len(pids), "max_size": connection.pool.max_size}))
"""


def _run(env_extra: dict[str, str], code: str) -> subprocess.CompletedProcess:
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crisisdesk.settings", "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env | env_extra,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_connections_use_an_ssd_random_page_cost() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


@pytest.mark.django_db
def test_pool_bounds_the_connections_of_many_request_threads() -> None:
    result = _run({"DB_POOL_MAX": "3", "DB_POOL_MIN": "1"}, POOL_SCRIPT)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["max_size"] == 3
    # 80 queries from 16 threads shared at most 3 server connections.
    assert 1 <= figures["pids"] <= 3


@pytest.mark.django_db
def test_without_a_pool_each_request_thread_opens_its_own_connection() -> None:
    # The contrast that makes the pool worth having (and proves the script measures it).
    script = POOL_SCRIPT.replace(', "max_size": connection.pool.max_size', "")
    result = _run({"DB_POOL_MAX": "0"}, script)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["pids"] > 3


def test_a_pool_with_persistent_connections_is_refused() -> None:
    result = _run({"DB_POOL_MAX": "4", "DB_CONN_MAX_AGE": "60"}, "import django; django.setup()")
    assert result.returncode != 0
    assert "DB_POOL_MAX needs DB_CONN_MAX_AGE=0" in result.stderr
