"""Fixtures of the collector tests: a fake service running on 127.0.0.1 for the test's length,
its base URL in settings and its host in OUTBOUND_ALLOW_HOSTS."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from tests.fakes.base import FakeService


@pytest.fixture
def serve(settings: pytest.FixtureRequest) -> Iterator[Callable[..., FakeService]]:
    """serve(fake, "VK_API_URL", "/method/") starts the fake and points the setting at it."""
    stack: list = []

    def start(fake: FakeService, setting: str | None = None, path: str = "") -> FakeService:
        context = fake.running()
        context.__enter__()
        stack.append(context)
        settings.OUTBOUND_ALLOW_HOSTS = [
            *getattr(settings, "OUTBOUND_ALLOW_HOSTS", []),
            fake.hostport,
        ]
        if setting:
            setattr(settings, setting, fake.url + path)
        return fake

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Callable[[], str]:
    """Every log line of every logger at DEBUG and up, with its arguments, as one text."""
    caplog.set_level(logging.DEBUG)

    def text() -> str:
        return "\n".join(
            f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
        )

    return text


@contextmanager
def raises_kind(kind: str) -> Iterator[list]:
    from incidents.monitoring.collectors import CollectorError

    caught: list = []
    with pytest.raises(CollectorError) as info:
        yield caught
    assert info.value.kind == kind, (info.value.kind, str(info.value))
    caught.append(info.value)
