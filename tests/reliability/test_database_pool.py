"""The pool of the web processes while PostgreSQL is unreachable (crisisdesk/core/postgresql):
the first request waits out the pool's timeout, the next ones are refused at once instead of
each waiting it too (their 503 comes at once), one request per PROBE_SECONDS still waits, and
once the database is reachable again the pool reconnects by itself and serves requests.

The database is the machine's PostgreSQL seen through a TCP proxy on a free port that the test
cuts and restores (the server itself is never touched)."""

import subprocess
import sys
import time

import pytest
from django.db import connection
from psycopg_pool import PoolTimeout

from crisisdesk.core.postgresql.base import PROBE_SECONDS, OutageAwarePool
from tests.servers import ROOT, TcpProxy, child_env, wait_until

pytestmark = pytest.mark.postgres
TIMEOUT = 1.0


def _timed_refusal(pool: OutageAwarePool) -> float:
    started = time.monotonic()
    with pytest.raises(PoolTimeout):
        pool.getconn()
    return time.monotonic() - started


@pytest.mark.django_db
def test_an_unreachable_database_is_refused_at_once_and_the_pool_recovers() -> None:
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    proxy.start()
    pool = OutageAwarePool(
        kwargs={"host": "127.0.0.1", "port": proxy.port, "user": db["USER"],
                "dbname": db["NAME"], "autocommit": True, "connect_timeout": 2},
        min_size=1, max_size=2, timeout=TIMEOUT, open=False,
        check=OutageAwarePool.check_connection,
    )  # fmt: skip
    try:
        pool.open(wait=True, timeout=10)
        with pool.connection() as conn:
            assert conn.execute("select 1").fetchone() == (1,)

        proxy.cut()
        first = _timed_refusal(pool)  # finds the pooled connection dead, cannot reconnect
        assert first >= TIMEOUT * 0.9
        assert pool.unreachable
        at_once = [_timed_refusal(pool) for _ in range(5)]
        assert max(at_once) < 0.1, at_once
        time.sleep(PROBE_SECONDS)
        probe = _timed_refusal(pool)  # one request waits again: it would get a connection
        assert probe >= TIMEOUT * 0.9

        proxy.restore()
        wait_until(lambda: not pool.unreachable, 15, "the pool reconnected")
        with pool.connection(timeout=5) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        pool.close()
        proxy.cut()


@pytest.mark.django_db(transaction=True)
def test_the_web_settings_select_this_pool_and_a_statement_timeout() -> None:
    """DB_POOL_MAX > 0 selects the backend with this pool, DB_STATEMENT_TIMEOUT sets
    PostgreSQL's statement_timeout on its connections (crisisdesk/settings.py)."""
    code = (
        "import django; django.setup(); from django.db import connection; "
        "cursor = connection.cursor(); cursor.execute('show statement_timeout'); "
        "print(type(connection.pool).__name__, cursor.fetchone()[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env(
            DB_POOL_MAX="3", DB_STATEMENT_TIMEOUT="15", DJANGO_SETTINGS_MODULE="crisisdesk.settings"
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "OutageAwarePool 15s"
