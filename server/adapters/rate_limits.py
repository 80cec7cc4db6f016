"""Moving-window rate limits per key in Redis (the `limits` library), for costly requests.

A hit is one atomic step: the library's Lua script checks the window and records the use
together, so parallel requests can never get past the limit between a check and a count.
While Redis is unreachable the windows live in this process instead (each process then allows
the limit on its own): on exam day letting candidates work matters more than exact counting.
"""

from __future__ import annotations

import logging
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self, redis_url: str) -> None:
        self._redis = MovingWindowRateLimiter(storage_from_string(redis_url))
        self._memory = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, limit: str, key: str) -> float | None:
        """Count one use of `key` against `limit` (e.g. "10 per 10 minutes") and answer None,
        or, past the limit, count nothing and answer the seconds until a use is free again."""
        item = parse(limit)
        try:
            return self._hit(self._redis, item, key)
        except Exception as exc:  # Redis down or timing out: count in memory meanwhile
            log.warning("rate-limit storage unavailable, counting in memory: %s", exc)
            return self._hit(self._memory, item, key)

    @staticmethod
    def _hit(limiter: MovingWindowRateLimiter, item: RateLimitItem, key: str) -> float | None:
        if limiter.hit(item, key):
            return None
        reset_at = limiter.get_window_stats(item, key).reset_time
        return max(1.0, reset_at - time.time())
