"""Real server processes for the tests that need one (browser, two processes, fault tests).

One home for them: a free port, the environment a child process needs to reach this test's
database, ASGI servers (`asgi_servers`, the `two_servers` fixture), a private redis-server
(`PrivateRedis`, the `private_redis` fixture), a private PostgreSQL cluster
(`PrivatePostgres`: initdb on a spare port), a Celery worker (`Worker`) and a TCP proxy that a
test cuts and restores (`TcpProxy`). Everything runs
on free ports and in temporary folders: never the machine's shared services."""

import glob
import os
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
TEST_SECRET_KEY = "server-test-secret-key-not-for-production-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    """Until the process listens on the port; its output in the error if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"server on {port} exited: {output[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"server on {port} did not start")


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


def database_url() -> str:
    """The URL of this test's database, for a child process (a server, a worker)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment pointed at the test database, production-like (DEBUG off),
    with its own channel-layer prefix; `extra` adds or overrides (an empty value removes)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "DEBUG": "0",
        "SECRET_KEY": TEST_SECRET_KEY,
    }
    env.update(extra)
    return {key: value for key, value in env.items() if value != ""}


class PrivateRedis:
    """A redis-server of the test's own on a free port. `appendonly`: AOF persistence with
    an fsync per write, in a folder of its own, so a kill -9 and a start on the same port
    bring back everything it had acknowledged (the broker's documented setup)."""

    def __init__(self, *, appendonly: bool = False) -> None:
        if not shutil.which("redis-server"):
            pytest.fail("redis-server is needed for this test (apt-get install redis-server)")
        self.port = free_port()
        self.appendonly = appendonly
        self.folder = Path(tempfile.mkdtemp(prefix="crisisdesk-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if self.appendonly
            else ["--appendonly", "no"]
        )
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--dir", str(self.folder), *persistence],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, self.process)

    def kill(self) -> None:
        """kill -9: no shutdown, no final save."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    stop = kill

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.remove()


@contextmanager
def asgi_servers(count: int, env: dict[str, str]) -> Iterator[list[int]]:
    """`count` real daphne processes serving crisisdesk.asgi with `env`; yields their ports.
    Their output is printed when they stop (shown when the test fails)."""
    ports = [free_port() for _ in range(count)]
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]
    processes = [
        subprocess.Popen(
            [*command, "-p", str(port), "crisisdesk.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for_port(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for port, process in zip(ports, processes, strict=True):
            try:
                output = process.communicate(timeout=10)[0].decode(errors="replace")
            except subprocess.TimeoutExpired:
                process.kill()
                output = process.communicate(timeout=5)[0].decode(errors="replace")
            print(f"--- daphne on {port} ---\n{output[-3000:]}")


@pytest.fixture
def two_servers(transactional_db: None) -> Iterator[list[int]]:
    """Two ASGI processes sharing the test database and the machine's Redis channel layer
    (under a prefix of their own)."""
    with asgi_servers(2, child_env(REDIS_URL=settings.REDIS_URL)) as ports:
        yield ports


class Worker:
    """A real `celery worker` process (prefork, one child) with `env`; its log in a file."""

    def __init__(self, env: dict[str, str], folder: Path, name: str = "worker") -> None:
        self.env = env
        self.log_path = folder / f"{name}.log"
        self.hostname = f"{name}-{uuid.uuid4().hex[:8]}@%h"
        self.process: subprocess.Popen | None = None

    def start(self, *, wait: bool = True) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crisisdesk", "worker", "--concurrency", "1",
             "--loglevel", "INFO", "--without-mingle", "--without-gossip", "-n", self.hostname],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        if wait:
            self.wait_for_log(" ready.", timeout=60)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_for_log(self, text: str, timeout: float, after: int = 0) -> None:
        """Until `text` appears in the log (from character `after` on)."""

        def seen() -> bool:
            if not self.alive():
                raise AssertionError(f"the worker exited:\n{self.log()[-4000:]}")
            return text in self.log()[after:]

        wait_until(seen, timeout, f"{text!r} in the worker's log")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        print(f"--- worker log ---\n{self.log()[-6000:]}")  # shown when the test fails


class TcpProxy:
    """Forwards 127.0.0.1:<free port> to a server (the shared RabbitMQ), so a test can cut
    the link without touching that server: `cut()` closes every open connection and refuses
    new ones until `restore()`. Both ends see the connection drop, as with a broker restart
    or a network failure."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.connections = 0  # accepted so far
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._stopped.clear()
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()

    def _accept(self, listener: socket.socket) -> None:
        listener.settimeout(0.2)
        while not self._stopped.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
                self.connections += 1
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        try:
            while not self._stopped.is_set():
                for key, _ in selector.select(timeout=0.2):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            for s in (a, b):
                with suppress(OSError):
                    s.close()

    def cut(self) -> None:
        self._stopped.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
        if self._thread is not None:
            self._thread.join(5)

    stop = cut


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    path = found[-1] if found else shutil.which(name)
    if not path:
        pytest.fail(f"{name} is needed for a private PostgreSQL (apt-get install postgresql)")
    return path


class PrivatePostgres:
    """A throwaway cluster. The server refuses to run as root: as root, its commands run as
    the postgres system user."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="crisisdesk-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.root, user="postgres")
        self.root.chmod(0o755)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=60"
        )
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o",
                  options, "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
