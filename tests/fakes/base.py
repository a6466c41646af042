"""A fake service: a real HTTP server on 127.0.0.1 (ThreadingHTTPServer in a thread) that
records every request and answers through ``route``; tests queue faults with ``fail_next``."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, list[str]]:
        if "application/x-www-form-urlencoded" in self.headers.get("content-type", ""):
            return parse_qs(self.body.decode(), keep_blank_values=True)
        return {}

    @property
    def params(self) -> dict[str, str]:
        """Query and form parameters, last value wins (what most APIs read)."""
        merged = {k: v[-1] for k, v in self.query.items()}
        merged.update({k: v[-1] for k, v in self.form.items()})
        return merged

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, **headers: str) -> Response:
        return cls(
            status,
            json.dumps(payload, ensure_ascii=False).encode(),
            {"Content-Type": "application/json; charset=utf-8", **headers},
        )

    @classmethod
    def html(cls, status: int = 502) -> Response:
        page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        return cls(status, page, {"Content-Type": "text/html"})


class FakeService:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.fail_next: list[Response] = []
        # Called with each request before it is answered (a test adds posts "while paging").
        self.hooks: list[Callable[[Request], None]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # Subclasses answer here.
    def route(self, request: Request) -> Response:  # pragma: no cover - overridden
        return Response(404)

    def calls(self, path_suffix: str) -> list[Request]:
        return [r for r in self.requests if r.path.endswith(path_suffix)]

    def _dispatch(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            for hook in list(self.hooks):
                hook(request)
            if self.fail_next:
                return self.fail_next.pop(0)
            return self.route(request)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def hostport(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[FakeService]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=split.path,
                    query=parse_qs(split.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                response = service._dispatch(request)
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the tests read self.requests, not stderr

        # Port 0: the kernel picks a free port at bind time, so two runs never race for one.
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)


Handler = Callable[[Request], Response]
