"""A Redis cache that keeps the product up while Redis is down.

The cache holds only what can be lost: throttle counters and the replay memory of signed
ingest. During an outage those fail open (requests are not throttled, replays are caught
by the idempotent upsert instead) rather than turning every request into a 500.
"""

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    # Django's (a cached property of RedisCache), which the stubs leave out.
    _cache: RedisCacheClient

    def _guard(self, operation: str, default: Any, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except OUTAGE:
            logger.warning("cache %s skipped: Redis unavailable", operation)
            return default

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard("get", default, super().get, key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = ..., version: Any = None) -> None:
        kwargs = {} if timeout is ... else {"timeout": timeout}
        return self._guard("set", None, super().set, key, value, version=version, **kwargs)

    def add(self, key: Any, value: Any, timeout: Any = ..., version: Any = None) -> bool:
        kwargs = {} if timeout is ... else {"timeout": timeout}
        return self._guard("add", True, super().add, key, value, version=version, **kwargs)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._guard("delete", False, super().delete, key, version)

    def get_many(self, keys: Any, version: Any = None) -> dict:
        return self._guard("get_many", {}, super().get_many, keys, version)

    def set_many(self, data: Any, timeout: Any = ..., version: Any = None) -> list:
        kwargs = {} if timeout is ... else {"timeout": timeout}
        return self._guard("set_many", [], super().set_many, data, version=version, **kwargs)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self._guard("incr", delta, super().incr, key, delta, version)

    def touch(self, key: Any, timeout: Any = ..., version: Any = None) -> bool:
        kwargs = {} if timeout is ... else {"timeout": timeout}
        return self._guard("touch", False, super().touch, key, version=version, **kwargs)

    def clear(self) -> None:
        """Delete this cache's own keys (its KEY_PREFIX), never the whole database: Django's
        RedisCache.clear() is a FLUSHDB, which would also drop the Celery broker's queued tasks
        and the channel layer's groups when they share the Redis database."""
        return self._guard("clear", None, self._clear_prefixed)

    def _clear_prefixed(self) -> None:
        client = self._cache.get_client(None, write=True)
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
