"""A local HTTP(S) server on 127.0.0.1 for the outbound tests: real sockets, scripted answers."""

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crisisdesk.core import outbound


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the body (a slow server)
    chunked: bool = False  # no Content-Length: the client only learns the size by reading


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    server_name: str | None  # the TLS SNI name the client sent (https only)


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: list[Answer] = []
        self.seen: list[Seen] = []
        self.tls = False
        self.sni: dict[int, str | None] = {}

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host}:{self.port}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        sni = self.server.sni.get(id(self.connection)) if self.server.tls else None
        self.server.seen.append(
            Seen(self.command, self.path, dict(self.headers.items()), body, sni)
        )
        answer = self.server.answers.pop(0) if self.server.answers else Answer()
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if answer.delay:
            time.sleep(answer.delay)
        try:
            if answer.chunked:
                for start in range(0, len(answer.body), 65536):
                    piece = answer.body[start : start + 65536]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading (the size limit): expected

    do_GET = do_POST = do_PUT = do_HEAD = _handle

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def local_server(tls_context: ssl.SSLContext | None = None) -> Iterator[LocalServer]:
    server = LocalServer()
    if tls_context is not None:
        server.tls = True

        def remember_sni(sock: ssl.SSLSocket, name: str | None, _ctx: ssl.SSLContext) -> None:
            server.sni[id(sock)] = name

        tls_context.sni_callback = remember_sni
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """Host name -> addresses; a name not in it does not resolve; every lookup is logged."""
    names: dict[str, list[str]] = {}
    lookups: list[str] = []

    def fake(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        lookups.append(host)
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in names[host]
        ]

    monkeypatch.setattr(outbound, "_getaddrinfo", fake)
    names["__lookups__"] = lookups  # type: ignore[assignment]
    yield names
