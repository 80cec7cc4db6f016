"""Password guesses: what the login limits are counted against (the throttle's contract), and the
slot one guess takes before its password is judged."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from server.domain.errors import RateLimited
from server.domain.identity.models import User
from server.domain.identity.sessions import SessionRegistry


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed (e.g. "10 per 15 minutes") per account and client address, per
    account from all addresses together (distributed guessing), and per client address.

    Per account and address, so a classmate's guesses elsewhere cannot lock a candidate out;
    the address limit must let a whole exam room behind one school NAT in."""

    per_account_address: str
    per_account: str
    per_address: str


class Throttle(Protocol):
    """server.adapters.throttle.LoginThrottle: check-and-count in one atomic step."""

    def acquire(
        self,
        subjects: Sequence[str],
        address: str,
        attempt: str,
        per_account_address: str,
        per_account: str,
        per_address: str,
    ) -> bool: ...
    def release(self, subjects: Sequence[str], address: str, attempt: str) -> None: ...
    def count_address_failure(self, address: str, attempt: str, per_address: str) -> None: ...
    def clear(self, subjects: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class Guard:
    """What a password check needs besides the database: the failure counts, their limits, and
    the login sessions a password change or reset ends."""

    throttle: Throttle
    limits: LoginLimits
    sessions: SessionRegistry


def guess_subject(user: User) -> str:
    return f"user:{user.id}"


class PasswordGuess:
    """One judged password guess against `subjects` from `address`: acquire() first (429 past a
    limit), then right() or wrong()."""

    def __init__(self, guard: Guard, subjects: Sequence[str], address: str | None) -> None:
        self._guard = guard
        self._subjects = subjects
        self._address = address or "unknown"
        self._attempt = secrets.token_hex(8)

    def acquire(self) -> None:
        limits = self._guard.limits
        if not self._guard.throttle.acquire(
            self._subjects,
            self._address,
            self._attempt,
            limits.per_account_address,
            limits.per_account,
            limits.per_address,
        ):
            raise RateLimited("LOGIN_RATE_LIMITED")

    def right(self) -> None:
        self._guard.throttle.release(self._subjects, self._address, self._attempt)

    def wrong(self) -> None:
        self._guard.throttle.count_address_failure(
            self._address, self._attempt, self._guard.limits.per_address
        )
