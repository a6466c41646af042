"""Clearing the cache deletes the cache's own keys, not what shares its Redis database."""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.redis


def test_clear_keeps_the_broker_queue_and_other_keys_of_the_database() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    foreign = ["celery", "_kombu.binding.celery", "asgi:group:org-1"]
    for key in foreign:
        client.rpush(f"cache-clear-test:{key}", "kept")
    try:
        cache.set_many({f"throttle-{i}": i for i in range(2500)}, timeout=60)
        assert cache.get("throttle-2499") == 2499

        cache.clear()

        assert cache.get("throttle-0") is None
        assert cache.get("throttle-2499") is None
        assert not list(client.scan_iter(match=f"{cache.key_prefix}:*"))
        for key in foreign:
            assert client.lrange(f"cache-clear-test:{key}", 0, -1) == [b"kept"]
    finally:
        client.delete(*(f"cache-clear-test:{key}" for key in foreign))


def test_clear_during_an_outage_is_skipped(monkeypatch, caplog) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise redis.exceptions.ConnectionError("Redis is down")

    monkeypatch.setattr(cache._cache, "get_client", refuse)
    cache.clear()  # no exception: the cache may be missing
    assert "cache clear skipped" in caplog.text
