"""Shared fixtures: two agencies (ours and the outsider's), a member per role, API clients."""

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from channels.layers import channel_layers
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from tenants.models import Membership, Role
from tests.factories import BrandFactory, MembershipFactory, OrganisationFactory, TeamFactory
from tests.local_http import resolver  # noqa: F401  (a fixture: host names the tests resolve)
from tests.servers import private_redis, two_servers  # noqa: F401  (fixtures: real processes)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile a translation catalogue that is missing or older than its .po (`make messages`
    does the same): the .mo files are built, not committed."""
    for po in settings.BASE_DIR.glob("locale/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """A test database of this run's own (test_<name>_<pid>): two runs can share a server."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def _isolated_channel_layer() -> Iterator[None]:
    # Each test session gets its own Redis key prefix, so runs never hear each other.
    layer = settings.CHANNEL_LAYERS["default"]
    if "CONFIG" in layer:
        layer["CONFIG"]["prefix"] = f"crisisdesk-test-{os.getpid()}"
    channel_layers.backends = {}
    # And its own cache prefix: another run's cache.clear() must not reset this run's
    # throttle counters (the Redis cache is shared by every run on the machine).
    cache_settings = settings.CACHES["default"]
    if "KEY_PREFIX" in cache_settings:
        cache_settings["KEY_PREFIX"] = f"crisisdesk-test-{os.getpid()}"
        from asgiref.local import Local
        from django.core.cache import caches

        caches.close_all()
        caches._connections = Local(caches.thread_critical)  # rebuilt with the new prefix
    # Hashing is not what these tests are about; PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run inline in tests: what a worker would do happens within the test.
    from crisisdesk.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    # The in-memory layer keeps groups between tests; start each test with a new one.
    channel_layers.backends = {}
    yield
    # A socket of the test started this process's event relay: stop it (it holds database
    # connections, and the next test starts from its own cursor).
    from incidents.realtime import relay

    relay.stop()
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def _results_may_be_awaited() -> None:
    """Tests call `.delay().get()` on eager tasks. Celery's process-wide "inside a worker"
    flag (set by its pool initialiser) must not leak into them from an earlier test of the
    same process, or `get()` refuses with "Never call result.get() within a task"."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language. A request leaves its language active in the
    thread (LocaleMiddleware activates it and nothing resets it), so a service called after a
    Russian page in an earlier test would otherwise answer in Russian."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_throttle_cache_leaks() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield


@dataclass
class Agency:
    org: object
    brand: object
    other_brand: object
    team: object
    members: dict[str, Membership]

    def member(self, role: str) -> Membership:
        return self.members[role]


def _agency(name: str) -> Agency:
    org = OrganisationFactory(name=name.title(), slug=name)
    brand = BrandFactory(organisation=org, name=f"{name} brand", slug=f"{name}-brand")
    other_brand = BrandFactory(organisation=org, name=f"{name} second brand", slug=f"{name}-second")
    team = TeamFactory(organisation=org, name=f"{name} care")
    members = {}
    for role in (Role.OWNER, Role.MANAGER, Role.RESPONDER, Role.VIEWER):
        membership = MembershipFactory(organisation=org, role=role, user__username=f"{name}-{role}")
        members[role] = membership
    team.members.add(members[Role.RESPONDER], members[Role.VIEWER])
    return Agency(org, brand, other_brand, team, members)


@pytest.fixture
def agency(db: None) -> Agency:
    """Our agency: two brands, one team (responder and viewer in it), a member per role."""
    return _agency("alpha")


@pytest.fixture
def outsider(db: None) -> Agency:
    """Another agency whose members must never see ours."""
    return _agency("omega")


@pytest.fixture
def api() -> Callable[[object | None], APIClient]:
    """api(user) → an APIClient authenticated as that user (None: anonymous)."""

    def make(user: object | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def as_role(agency: Agency, api: Callable) -> Callable[[str], APIClient]:
    def make(role: str) -> APIClient:
        return api(agency.member(role).user)

    return make


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked postgres/redis need those services; everything else runs anywhere.

    In CI (`.ci/run`) both are configured, so nothing is skipped there.
    """
    is_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres" in item.keywords and not is_pg:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://…"))
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL"))
