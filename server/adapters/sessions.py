"""The login-session store in Redis (see server.domain.identity.sessions).

    session:gen:<kind>:<id>    the account's generation (INCR ends all its sessions)
    session:out:<session id>   that session logged out
    session:kept:<session id>  the generation a password change carried that session into

Each lives one token lifetime from its last write; the generation also from each login.
Redis errors surface as ConnectionError (the domain's word for "unreachable").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import redis

T = TypeVar("T")

# INCR the generation and, for a password change, carry the caller's session into it: one
# atomic step, so no check can see the new generation without the carried session.
_END_ALL = """
local generation = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
if KEYS[2] then
  redis.call('SET', KEYS[2], generation, 'EX', ARGV[1])
end
return generation
"""


def _generation_key(account: str) -> str:
    return f"session:gen:{account}"


def _out_key(session_id: str) -> str:
    return f"session:out:{session_id}"


def _kept_key(session_id: str) -> str:
    return f"session:kept:{session_id}"


class RedisSessionStore:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._end_all = client.register_script(_END_ALL)

    def generation(self, account: str, keep_for_seconds: int) -> int:
        def read() -> Any:
            pipe = self._redis.pipeline(transaction=False)
            pipe.get(_generation_key(account))
            pipe.expire(_generation_key(account), keep_for_seconds)
            return pipe.execute()[0]

        return int(self._call(read) or 0)

    def state(self, account: str, session_id: str) -> tuple[int, bool, int | None]:
        """The account's generation, whether the session logged out, where it was carried."""
        generation, out, kept = self._call(
            lambda: self._redis.mget(
                _generation_key(account), _out_key(session_id), _kept_key(session_id)
            )
        )
        return int(generation or 0), out is not None, int(kept) if kept is not None else None

    def log_out(self, session_id: str, keep_for_seconds: int) -> None:
        self._call(lambda: self._redis.set(_out_key(session_id), 1, ex=keep_for_seconds))

    def end_all(self, account: str, carry_session_id: str | None, keep_for_seconds: int) -> int:
        keys = [_generation_key(account)]
        if carry_session_id:
            keys.append(_kept_key(carry_session_id))
        return int(self._call(lambda: self._end_all(keys=keys, args=[keep_for_seconds])))

    @staticmethod
    def _call(operation: Callable[[], T]) -> T:
        try:
            return operation()
        except redis.RedisError as exc:
            raise ConnectionError(str(exc)) from exc
