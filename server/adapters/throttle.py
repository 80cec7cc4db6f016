"""Counting failures per key in a moving window, in Redis (the `limits` library).

While Redis is unreachable the counts live in this process instead: on exam day letting
candidates in matters more than exact counting across processes.
"""

from __future__ import annotations

import logging

from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


class FailureThrottle:
    def __init__(self, redis_url: str) -> None:
        self._redis = MovingWindowRateLimiter(storage_from_string(redis_url))
        self._memory = MovingWindowRateLimiter(MemoryStorage())

    def exhausted(self, limit: str, key: str) -> bool:
        """True when `key` has already used up `limit` (e.g. "10 per 15 minutes")."""
        item = parse(limit)
        return not self._call("test", item, key)

    def record(self, limit: str, key: str) -> None:
        self._call("hit", parse(limit), key)

    def _call(self, method: str, item, key: str) -> bool:
        try:
            return getattr(self._redis, method)(item, key)
        except Exception as exc:  # Redis down or timing out: count in memory meanwhile
            log.warning("throttle storage unavailable, counting in memory: %s", exc)
            return getattr(self._memory, method)(item, key)
