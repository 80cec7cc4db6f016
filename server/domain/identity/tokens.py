"""Signed, expiring access tokens carrying the actor."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from threading import Lock

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.domain.actors import Actor, Role
from server.domain.errors import Unauthenticated


class TokenService:
    """Every autosave carries a token: verified ones are remembered (with their issue time, so
    they still expire on time) to spare the signature check on each request."""

    CACHE_SIZE = 100_000

    def __init__(self, secret_key: str, ttl_seconds: int, salt: str = "access-token") -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=salt)
        self.ttl_seconds = ttl_seconds
        self._verified: OrderedDict[str, tuple[Actor, int]] = OrderedDict()
        self._lock = Lock()

    def issue(self, actor: Actor) -> str:
        """A token for a new login session (its own id, so attempts know which computer answers)."""
        session_id = actor.session_id or secrets.token_urlsafe(12)
        return self._serializer.dumps(
            {"u": actor.user_id, "r": actor.role, "s": actor.school_id, "j": session_id}
        )

    def read(self, token: str) -> Actor:
        with self._lock:
            known = self._verified.get(token)
        if known is not None:
            actor, issued_at = known
            if time.time() - issued_at > self.ttl_seconds:
                raise Unauthenticated("TOKEN_EXPIRED")
            return actor
        actor, issued_at = self._verify(token)
        with self._lock:
            self._verified[token] = (actor, issued_at)
            if len(self._verified) > self.CACHE_SIZE:
                self._verified.popitem(last=False)
        return actor

    def _verify(self, token: str) -> tuple[Actor, int]:
        try:
            payload, issued = self._serializer.loads(
                token, max_age=self.ttl_seconds, return_timestamp=True
            )
        except SignatureExpired as exc:
            raise Unauthenticated("TOKEN_EXPIRED") from exc
        except BadSignature as exc:
            raise Unauthenticated("TOKEN_INVALID") from exc
        try:
            actor = Actor(
                user_id=int(payload["u"]),
                role=Role(payload["r"]),
                school_id=payload["s"],
                session_id=str(payload.get("j") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Unauthenticated("TOKEN_INVALID") from exc
        return actor, int(issued.timestamp())
