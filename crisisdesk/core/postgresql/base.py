"""Django's PostgreSQL backend with a connection pool that refuses at once while the
database is unreachable (selected in crisisdesk/settings.py when DB_POOL_MAX > 0).

psycopg_pool makes a request wait up to its timeout (DB_POOL_TIMEOUT) for a connection. When
PostgreSQL is down no connection comes, so every request of an outage waited the whole
timeout before its 503 (crisisdesk/core/unavailable.py), and on a machine short of cores the
waiting threads pushed the answers to 3 s and more (tests/reliability/test_database_outage.py).
Here the pool remembers that its last attempt to connect failed: while it has no connection
ready, a request is refused at once (PoolTimeout, so a 503 with Retry-After), except one
request at a time, PROBE_SECONDS after the last wait ended, which waits as before. The pool's
own reconnection attempts (with their backoff) go on meanwhile; the first that succeeds ends
the refusals.
"""

import threading
from time import monotonic
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base

try:
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as exc:  # pragma: no cover - the pool is a dependency of this backend
    raise ImproperlyConfigured("this backend needs psycopg[pool]") from exc

PROBE_SECONDS = 0.5


class OutageAwarePool(ConnectionPool):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unreachable = False
        self._probe_lock = threading.Lock()
        self._probe_at = 0.0  # no request waits before this (monotonic seconds)

    def _connect(self, timeout: float | None = None) -> Any:
        # psycopg_pool's one place that opens a connection (pinned: requirements.txt).
        try:
            conn = super()._connect(timeout)
        except Exception:
            self.unreachable = True
            raise
        self.unreachable = False
        return conn

    def getconn(self, timeout: float | None = None) -> Any:
        if not (self.unreachable and not self._pool):
            return self._wait(timeout)
        with self._probe_lock:
            if monotonic() < self._probe_at:
                raise PoolTimeout(f"the database is unreachable (pool {self.name!r})")
            self._probe_at = float("inf")  # this request is the probe: one at a time
        return self._wait(timeout)

    def _wait(self, timeout: float | None) -> Any:
        """psycopg_pool's getconn. A wait that ends without a connection (or a probe that
        ends at all) lets the next request wait only PROBE_SECONDS later. A waiting request
        also lets the pool grow again should its reconnection attempts have given up."""
        try:
            conn = super().getconn(timeout)
        except BaseException:
            self._probe_at = monotonic() + PROBE_SECONDS
            raise
        if self._probe_at == float("inf"):
            self._probe_at = 0.0
        return conn


class DatabaseWrapper(base.DatabaseWrapper):
    # Django's (5.2), which the stubs leave out.
    _connection_pools: ClassVar[dict[str, ConnectionPool]]
    if TYPE_CHECKING:

        def _configure_connection(self, connection: Any) -> None: ...

    @property
    def pool(self) -> ConnectionPool | None:
        """As Django's (5.2), with OutageAwarePool for psycopg_pool's ConnectionPool."""
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not pool_options:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            if pool_options is True:
                pool_options = {}
            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True
            pool = OutageAwarePool(
                kwargs=connect_kwargs,
                open=False,
                configure=self._configure_connection,
                check=(
                    ConnectionPool.check_connection
                    if self.settings_dict["CONN_HEALTH_CHECKS"]
                    else None
                ),
                **pool_options,
            )
            self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]
