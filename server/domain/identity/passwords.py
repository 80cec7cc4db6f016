"""Password hashing (argon2) and the default-password check."""

from __future__ import annotations

import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.domain.identity.id_numbers import default_password
from server.domain.identity.models import User


class Passwords:
    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, user: User | None, password: str) -> bool:
        if user is None:
            return False
        if user.password_hash is None:
            # Default password: derived from the ID number, which the database already holds,
            # so hashing it would protect nothing; compare in constant time.
            if not user.id_number:
                return False
            expected = default_password(user.id_number)
            return hmac.compare_digest(expected.encode(), password.encode())
        return self._verify_hash(user.password_hash, password)

    def _verify_hash(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
