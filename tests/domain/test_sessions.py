"""The session registry's caching and waiting rules (issue 14.2), with a fake store and clock;
tests/api/test_sessions.py and tests/e2e/test_login_security.py cover them over HTTP."""

from __future__ import annotations

import pytest

from server.domain.actors import Actor, Role
from server.domain.errors import Unauthenticated, Unavailable
from server.domain.identity import SessionRegistry, TokenClaims, TokenKind

CANDIDATE = Actor(user_id=7, role=Role.CANDIDATE, school_id=1, session_id="s-1")


class FakeStore:
    def __init__(self) -> None:
        self.generations: dict[str, int] = {}
        self.out: set[str] = set()
        self.kept: dict[str, int] = {}
        self.lookups = 0
        self.down = False

    def _up(self) -> None:
        if self.down:
            raise ConnectionError("down")

    def generation(self, account: str, keep_for_seconds: int) -> int:
        self._up()
        return self.generations.get(account, 0)

    def state(self, account: str, session_id: str) -> tuple[int, bool, int | None]:
        self._up()
        self.lookups += 1
        return (
            self.generations.get(account, 0),
            session_id in self.out,
            self.kept.get(session_id),
        )

    def log_out(self, session_id: str, keep_for_seconds: int) -> None:
        self._up()
        self.out.add(session_id)

    def end_all(self, account: str, carry_session_id: str | None, keep_for_seconds: int) -> int:
        self._up()
        self.generations[account] = self.generations.get(account, 0) + 1
        if carry_session_id:
            self.kept[carry_session_id] = self.generations[account]
        return self.generations[account]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def world():
    store, clock = FakeStore(), Clock()
    registry = SessionRegistry(store, 3600, 1.0, clock=clock, sleep=clock.sleep)
    return store, clock, registry


def claims(actor: Actor = CANDIDATE, generation: int = 0) -> TokenClaims:
    return TokenClaims(actor=actor, kind=TokenKind.ACCOUNT, generation=generation, issued_at=0)


def test_a_burst_asks_the_store_once_per_cache_period(world):
    store, clock, registry = world
    for _ in range(50):
        registry.check(claims())
    assert store.lookups == 1
    clock.now += 1.01
    registry.check(claims())
    assert store.lookups == 2


def test_a_logout_waits_out_every_cache_before_answering(world):
    store, clock, registry = world
    registry.check(claims())
    registry.log_out(CANDIDATE)
    assert clock.slept == [1.0]
    with pytest.raises(Unauthenticated, match="SESSION_ENDED"):
        registry.check(claims())
    lookups = store.lookups
    with pytest.raises(Unauthenticated):
        registry.check(claims())
    assert store.lookups == lookups  # an ended session is remembered, not asked again


def test_another_process_sees_an_ending_once_its_cache_lapsed(world):
    store, clock, registry = world
    other = SessionRegistry(store, 3600, 1.0, clock=clock, sleep=clock.sleep)
    other.check(claims())  # trusted until now + 1 s
    registry.log_out(CANDIDATE)  # answers 1 s later
    with pytest.raises(Unauthenticated, match="SESSION_ENDED"):
        other.check(claims())


def test_ending_all_keeps_only_the_carried_session(world):
    store, _clock, registry = world
    other_login = Actor(user_id=7, role=Role.CANDIDATE, school_id=1, session_id="s-2")
    phone = Actor(user_id=7, role=Role.PHONE, school_id=None, session_id="p-1")
    registry.end_all(CANDIDATE, keep=CANDIDATE)
    registry.check(claims())
    with pytest.raises(Unauthenticated):
        registry.check(claims(other_login))
    registry.check(TokenClaims(actor=phone, kind=TokenKind.PHONE, generation=0, issued_at=0))
    assert registry.for_new_session(CANDIDATE) == 1  # a new login carries the new generation
    registry.check(claims(Actor(7, Role.CANDIDATE, 1, "s-3"), generation=1))


def test_while_the_store_is_down_sessions_go_on_and_endings_fail(world):
    store, _clock, registry = world
    store.down = True
    registry.check(claims())
    assert registry.for_new_session(CANDIDATE) == 0
    with pytest.raises(Unavailable, match="SESSION_STORE_UNAVAILABLE"):
        registry.log_out(CANDIDATE)
