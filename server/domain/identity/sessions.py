"""Login sessions that end: a logout, a password change, a teacher's reset, an admin's order.

Each token names its session (a random id) and carries its account's session generation at
issue. The store (Redis, server/adapters/sessions.py) keeps, each for one token lifetime:
the account's current generation (ending all its sessions is one increment), the sessions that
logged out, and the sessions a password change kept (carried into the new generation). A
session is ended when it logged out, or when both its token's and its carried generation are
behind the account's.

Checked on every authenticated request without the database. A process trusts a "not ended"
answer for `cache_seconds` (SESSION_CHECK_CACHE_SECONDS, 1 s) and an "ended" one for good; so
that an ending is complete everywhere when it answers, every ending waits `cache_seconds` after
its write before it returns. A logout is therefore refused by every process the moment the
client has its 204, while a burst of one session's requests asks Redis once a second per
process. While Redis is unreachable, sessions not known here to be ended are accepted (on exam
day letting candidates work matters more), and endings fail with 503.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import NamedTuple, Protocol

from server.domain.actors import Actor
from server.domain.errors import Unauthenticated, Unavailable
from server.domain.identity.tokens import TokenClaims, token_kind

log = logging.getLogger(__name__)


class SessionState(NamedTuple):
    generation: int  # the account's current generation (0: never ended)
    logged_out: bool
    carried_to: int | None  # the generation a password change carried this session into


class SessionStore(Protocol):
    """Raises ConnectionError while the store is unreachable."""

    def generation(self, account: str, keep_for_seconds: int) -> int:
        """The account's generation, kept for at least `keep_for_seconds` from now."""

    def state(self, account: str, session_id: str) -> tuple[int, bool, int | None]:
        """(generation, logged_out, carried_to), as SessionState."""

    def log_out(self, session_id: str, keep_for_seconds: int) -> None: ...

    def end_all(self, account: str, carry_session_id: str | None, keep_for_seconds: int) -> int: ...


def account_key(actor: Actor) -> str:
    """Phones and accounts number their ids apart: the kind is part of the key."""
    return f"{token_kind(actor.role).value}:{actor.user_id}"


class SessionRegistry:
    CACHE_SIZE = 200_000

    def __init__(
        self,
        store: SessionStore,
        ttl_seconds: int,
        cache_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._sleep = sleep
        # session id -> (ended, trusted until, on self._clock)
        self._known: OrderedDict[str, tuple[bool, float]] = OrderedDict()
        self._lock = Lock()

    # --- issuing and checking ---

    def for_new_session(self, actor: Actor) -> int:
        """The generation a new token carries. Read with the key's life extended to a token
        lifetime, so the generation never expires (and restarts at 0) under a live token."""
        try:
            return self._store.generation(account_key(actor), self._ttl)
        except ConnectionError as exc:
            # Only an account whose sessions were ended within a token lifetime has one above 0;
            # its new token is then refused once Redis answers again (log in again).
            log.warning("session store unavailable, issuing generation 0: %s", exc)
            return 0

    def check(self, claims: TokenClaims) -> None:
        """401 SESSION_ENDED when the token's session was ended."""
        session_id = claims.actor.session_id
        now = self._clock()
        with self._lock:
            known = self._known.get(session_id)
        if known is not None:
            ended, until = known
            if ended:
                raise Unauthenticated("SESSION_ENDED")
            if now < until:
                return
        asked_at = self._clock()  # before asking: the answer may be older than its arrival
        try:
            state = SessionState(*self._store.state(account_key(claims.actor), session_id))
        except ConnectionError as exc:
            log.warning("session store unavailable, accepting the session: %s", exc)
            self._remember(session_id, False, asked_at + self.cache_seconds)
            return
        carried = state.carried_to if state.carried_to is not None else -1
        ended = state.logged_out or max(claims.generation, carried) < state.generation
        self._remember(session_id, ended, math.inf if ended else asked_at + self.cache_seconds)
        if ended:
            raise Unauthenticated("SESSION_ENDED")

    # --- ending ---

    def log_out(self, actor: Actor) -> None:
        """End this one session, everywhere, before answering."""
        self._write(lambda: self._store.log_out(actor.session_id, self._ttl))
        self._remember(actor.session_id, True, math.inf)
        self._settle()

    def end_all(self, account: Actor, keep: Actor | None = None) -> None:
        """End every session of `account` (the person, not the caller), but `keep`'s (the
        caller's own session, after its password change), everywhere, before answering."""
        carry = keep.session_id if keep is not None else None
        self._write(lambda: self._store.end_all(account_key(account), carry, self._ttl))
        self._settle()

    def _write(self, write: Callable[[], object]) -> None:
        try:
            write()
        except ConnectionError as exc:
            log.error("session store unavailable, session not ended: %s", exc)
            raise Unavailable("SESSION_STORE_UNAVAILABLE") from exc

    def _settle(self) -> None:
        """Wait until no process still trusts an answer it had before the write."""
        if self.cache_seconds > 0:
            self._sleep(self.cache_seconds)

    def _remember(self, session_id: str, ended: bool, until: float) -> None:
        with self._lock:
            self._known[session_id] = (ended, until)
            self._known.move_to_end(session_id)
            if len(self._known) > self.CACHE_SIZE:
                self._known.popitem(last=False)
