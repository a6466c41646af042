"""Browser tests: a real ASGI server (daphne, HTTP + WebSocket) on the test database, driven
by Debian's Chromium through Playwright. PostgreSQL only: the server is another process and
must see what the test commits (transactional_db)."""

import contextlib
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection, connections
from django.test import Client

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "a-long-browser-test-password"


@dataclass
class Web:
    """The running server and the browser; contexts are signed-in people."""

    base_url: str
    launch: object  # starts Playwright and Chromium on first use
    browser: object = None
    contexts: list = field(default_factory=list)
    last_page: object = None
    # Console messages about the Content-Security-Policy: the pages must need no exception.
    csp_violations: list = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def context(self, user: object | None = None, **options: object) -> object:
        """A fresh browser profile; with a user, already signed in (a session cookie).

        The first call starts the browser: data the test makes before it is written while no
        event loop runs in this thread, so the services' live push works as in production.
        """
        if self.browser is None:
            self.browser = self.launch()
        context = self.browser.new_context(
            base_url=self.base_url, viewport={"width": 1280, "height": 900}, **options
        )
        if user is not None:
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": self.base_url,
                    }
                ]
            )
        self.contexts.append(context)
        return context

    def assert_fits(self, page: object, width: int) -> None:
        """The page scrolls no wider than the viewport, measured once its stylesheets are in:
        a layout forced before the CSS arrives is the unstyled page (a table's natural width)."""
        page.wait_for_load_state("load")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, (page.url, scroll_width, width)

    def page(self, context: object) -> object:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on(
            "console",
            lambda message: (
                self.csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        self.last_page = page
        return page


def set_password(user: object, password: str = PASSWORD) -> None:
    """A password the server can check: the test settings hash with MD5, which the server
    (default settings) does not accept, so hash with PBKDF2 directly."""
    user.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])


@pytest.fixture
def web(
    request: pytest.FixtureRequest, transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Web]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs {CHROMIUM} (.ci/install-browser installs it)")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DEBUG": "1",  # static files through WhiteNoise's finders, no collectstatic needed
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "CHANNEL_LAYER_PREFIX": f"browser-{uuid.uuid4().hex[:8]}",
        "LOG_LEVEL": "WARNING",
    }
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "crisisdesk.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    started: list = []

    def launch() -> object:
        # Playwright's sync API keeps an event loop running in this thread; the test's own
        # ORM calls are still synchronous and safe.
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        started.append(playwright)
        return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    web = Web(base_url=f"http://127.0.0.1:{port}", launch=launch)
    try:
        wait_for_port(port, server)
        yield web
        assert not web.csp_violations, web.csp_violations
    finally:
        OUTPUT.mkdir(exist_ok=True)
        if web.last_page is not None and not web.last_page.is_closed():
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            # A screenshot is a courtesy: it must never hide the test's own failure.
            with contextlib.suppress(Exception):
                web.last_page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
        for context in web.contexts:
            context.close()
        if web.browser is not None:
            web.browser.close()
        if started:
            # While Playwright's loop runs, Django's connection store is another one (asgiref's
            # Local follows the running loop): close what the test opened there, then leave.
            connections.close_all()
            started[0].stop()
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
