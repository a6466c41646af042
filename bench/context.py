"""What the scenarios of one run share: the configuration, the HTTP server, generated data."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench import datagen
from bench.config import RunConfig
from bench.servers import Server, server_start


@dataclass
class ReadData:
    """The API-read data set: 50 organisations, the main one with `main_incidents`, plus one
    organisation per growth size (the main one stands for its own size), their incidents
    interleaved over the past year; the 49 others ("quiet") all older."""

    main: datagen.Tenant
    quiet: datagen.Tenant
    by_size: dict[int, datagen.Tenant]
    organisations: int
    incidents_total: int


@dataclass
class Context:
    config: RunConfig
    log: Callable[[str], None]
    wrk: str | None
    servers: list[Server] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)
    _http: Server | None = None
    _reads: ReadData | None = None

    @property
    def size(self) -> Any:
        return self.config.size

    @property
    def strict(self) -> bool:
        """The smoke run fails on what the full run only records (a lost event, a mismatch)."""
        return self.size.name != "full"

    def http_server(self) -> Server:
        """uvicorn with 2 worker processes sharing one port: the production HTTP set-up."""
        if self._http is None or self._http.process.poll() is not None:
            self._http = self.start_server("http", workers=2)
        return self._http

    def start_server(self, name: str, *, workers: int = 1, env: dict | None = None) -> Server:
        started = time.monotonic()
        server = server_start(self.config, name=name, workers=workers, env=env)
        self.servers.append(server)
        self.log(
            f"  server {name}: uvicorn, {workers} worker(s), port {server.port}, "
            f"ready in {time.monotonic() - started:.1f} s"
        )
        return server

    def stop_server(self, server: Server) -> None:
        started = time.monotonic()
        server.stop()
        if time.monotonic() - started > 2:
            self.log(f"  server {server.name} took {time.monotonic() - started:.1f} s to stop")
        if server in self.servers:
            self.servers.remove(server)
        if server is self._http:
            self._http = None

    def close(self) -> None:
        for server in list(self.servers):
            self.stop_server(server)

    def read_data(self) -> ReadData:
        if self._reads is None:
            self._reads = self._read_data_create()
        return self._reads

    def _read_data_create(self) -> ReadData:
        size = self.size
        started = time.monotonic()
        main = datagen.tenant_create(
            slug="bench-main", members=size.load_users, tokens=True, role="manager"
        )
        # The other organisations come first and stopped a year ago: "quiet" tenants, whose
        # newest incidents are older than every row of the measured ones.
        quiet = []
        for i in range(1, size.organisations):
            other = datagen.tenant_create(
                slug=f"bench-org-{i:02d}", members=2, tokens=i == 1, role="manager"
            )
            quiet.append((other, size.other_incidents))
        datagen.incidents_create(quiet, seed=100, days=365, before_days=365)
        total = size.other_incidents * (size.organisations - 1)
        by_size = {size.main_incidents: main}
        for count in size.growth_incidents:
            if count not in by_size:
                by_size[count] = datagen.tenant_create(
                    slug=f"bench-rows-{count}", members=size.load_users, tokens=True
                )
        # The measured organisations fill the past year together, interleaved.
        datagen.incidents_create([(t, n) for n, t in by_size.items()], seed=1)
        total += sum(by_size)
        datagen.analyze_tables()
        self.log(
            f"  generated {size.organisations} organisations (+{len(by_size) - 1} growth), "
            f"{total:,} incidents in {time.monotonic() - started:.1f} s"
        )
        return ReadData(
            main=main,
            quiet=quiet[0][0],
            by_size=dict(sorted(by_size.items())),
            organisations=size.organisations + len(by_size) - 1,
            incidents_total=total,
        )
