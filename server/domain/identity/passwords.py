"""Password hashing (argon2) and the default-password check."""

from __future__ import annotations

import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.domain.identity.id_numbers import default_password
from server.domain.identity.models import User


class Passwords:
    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        # What a wrong password is checked against when there is no hash to check: a random
        # secret's hash with the same parameters, so it takes as long as a real check.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, user: User | None, password: str) -> bool:
        """Whether `password` is the user's. A wrong answer always costs one argon2
        verification, also for an unknown user (None) and against a default password, so the
        time of a failed login never tells whether the username exists or still has its default
        password; a right default password stays cheap (the exam-morning burst of logins)."""
        if user is None:
            self._verify_hash(self._dummy_hash, password)
            return False
        if user.password_hash is None:
            # Default password: derived from the ID number, which the database already holds,
            # so hashing it would protect nothing; compare in constant time.
            expected = default_password(user.id_number) if user.id_number else None
            if expected is not None and hmac.compare_digest(expected.encode(), password.encode()):
                return True
            self._verify_hash(self._dummy_hash, password)
            return False
        return self._verify_hash(user.password_hash, password)

    def _verify_hash(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
