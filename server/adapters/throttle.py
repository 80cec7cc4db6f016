"""Failed-login counting in moving windows, in Redis, with check-and-count as one atomic step.

A login first *acquires* a slot: one Lua script checks every window (per account and client
address, per account, per address) and, only when all have room, records the attempt against
the account; so of any number of parallel guesses at most the limit get a password check. A
correct password *releases* its slot (successful logins never count); a wrong one keeps it and
is also counted against the address (checked at acquire, counted after: a school NAT's
hundreds of parallel good logins must not use up its budget while in flight).

    login:account:<subject>   sorted set: "<address>|<attempt>" scored by time (ms)
    login:address:<address>   sorted set: "<attempt>" scored by time (ms)

One key per account holds all its addresses, so a teacher's reset clears it with one DEL, and
the per-address count is a scan of at most the account-wide limit's entries.

While Redis is unreachable the same windows live in this process instead: on exam day letting
candidates in matters more than exact counting across processes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from threading import Lock
from typing import TypeVar

import redis
from limits import parse

log = logging.getLogger(__name__)

T = TypeVar("T")

_ACQUIRE = """
local now = tonumber(ARGV[1])
local prefix = ARGV[2] .. '|'
local member = prefix .. ARGV[3]
local pair_limit, pair_window = tonumber(ARGV[4]), tonumber(ARGV[5])
local account_limit, account_window = tonumber(ARGV[6]), tonumber(ARGV[7])
local address_limit, address_window = tonumber(ARGV[8]), tonumber(ARGV[9])
local keep = math.max(pair_window, account_window)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - address_window)
if redis.call('ZCARD', KEYS[1]) >= address_limit then return 0 end
for i = 2, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - keep)
  if redis.call('ZCOUNT', KEYS[i], '(' .. (now - account_window), '+inf') >= account_limit then
    return 0
  end
  local mine = 0
  local recent = redis.call('ZRANGEBYSCORE', KEYS[i], '(' .. (now - pair_window), '+inf')
  for _, entry in ipairs(recent) do
    if string.sub(entry, 1, #prefix) == prefix then mine = mine + 1 end
  end
  if mine >= pair_limit then return 0 end
end
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], now, member)
  redis.call('PEXPIRE', KEYS[i], keep)
end
return 1
"""


def _window(limit: str) -> tuple[int, int]:
    """("10 per 15 minutes") -> (10, 900000): the amount and the window in milliseconds."""
    item = parse(limit)
    return item.amount, item.get_expiry() * 1000


def _account_key(subject: str) -> str:
    return f"login:account:{subject}"


def _address_key(address: str) -> str:
    return f"login:address:{address}"


class LoginThrottle:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._acquire = client.register_script(_ACQUIRE)
        self._memory = _MemoryWindows()

    def acquire(
        self,
        subjects: Sequence[str],
        address: str,
        attempt: str,
        per_account_address: str,
        per_account: str,
        per_address: str,
    ) -> bool:
        """Atomically: when every window has room, record `attempt` against each subject (an
        account, or an unknown login name) from `address` and answer True; else False."""
        args: list[str | int] = [
            int(time.time() * 1000),
            address,
            attempt,
            *_window(per_account_address),
            *_window(per_account),
            *_window(per_address),
        ]
        keys = [_address_key(address), *(_account_key(subject) for subject in subjects)]
        return bool(
            self._call(
                lambda: self._acquire(keys=keys, args=args),
                lambda: self._memory.acquire(keys, args),
            )
        )

    def release(self, subjects: Sequence[str], address: str, attempt: str) -> None:
        """The password was right: the attempt was no failure."""
        keys = [_account_key(subject) for subject in subjects]
        member = f"{address}|{attempt}"

        def remove() -> None:
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.zrem(key, member)
            pipe.execute()

        self._call(remove, lambda: self._memory.remove(keys, member))

    def count_address_failure(self, address: str, attempt: str, per_address: str) -> None:
        key = _address_key(address)
        now = int(time.time() * 1000)
        _, window = _window(per_address)

        def add() -> None:
            pipe = self._redis.pipeline(transaction=False)
            pipe.zadd(key, {attempt: now})
            pipe.pexpire(key, window)
            pipe.execute()

        self._call(add, lambda: self._memory.add(key, attempt, now))

    def clear(self, subjects: Sequence[str]) -> None:
        """Forget the failures counted against these accounts (a teacher's reset)."""
        keys = [_account_key(subject) for subject in subjects]
        self._call(lambda: self._redis.delete(*keys), lambda: self._memory.clear(keys))

    @staticmethod
    def _call(operation: Callable[[], T], fallback: Callable[[], T]) -> T:
        try:
            return operation()
        except redis.RedisError as exc:  # Redis down or timing out: count in memory meanwhile
            log.warning("throttle storage unavailable, counting in memory: %s", exc)
            return fallback()


class _MemoryWindows:
    """The Lua script's windows in this process, under one lock."""

    def __init__(self) -> None:
        self._sets: dict[str, dict[str, int]] = {}
        self._lock = Lock()

    def acquire(self, keys: list[str], args: list[str | int]) -> int:
        now, address, attempt = int(args[0]), str(args[1]), str(args[2])
        pair_limit, pair_window, account_limit, account_window, address_limit, address_window = (
            int(value) for value in args[3:9]
        )
        prefix = address + "|"
        keep = max(pair_window, account_window)
        with self._lock:
            if len(self._trimmed(keys[0], now - address_window)) >= address_limit:
                return 0
            for key in keys[1:]:
                entries = self._trimmed(key, now - keep)
                if sum(1 for t in entries.values() if t > now - account_window) >= account_limit:
                    return 0
                mine = sum(
                    1
                    for member, t in entries.items()
                    if t > now - pair_window and member.startswith(prefix)
                )
                if mine >= pair_limit:
                    return 0
            for key in keys[1:]:
                self._sets.setdefault(key, {})[prefix + attempt] = now
            return 1

    def _trimmed(self, key: str, oldest: int) -> dict[str, int]:
        entries = {m: t for m, t in self._sets.get(key, {}).items() if t > oldest}
        self._sets[key] = entries
        return entries

    def remove(self, keys: list[str], member: str) -> None:
        with self._lock:
            for key in keys:
                self._sets.get(key, {}).pop(member, None)

    def add(self, key: str, member: str, now: int) -> None:
        with self._lock:
            self._sets.setdefault(key, {})[member] = now

    def clear(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._sets.pop(key, None)
