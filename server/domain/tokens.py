"""Signed, expiring access tokens carrying the actor."""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.domain.actors import Actor
from server.domain.errors import Unauthenticated


class TokenService:
    def __init__(self, secret_key: str, ttl_seconds: int, salt: str = "access-token") -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=salt)
        self.ttl_seconds = ttl_seconds

    def issue(self, actor: Actor) -> str:
        """A token for a new login session (its own id, so attempts know which computer answers)."""
        session_id = actor.session_id or secrets.token_urlsafe(12)
        return self._serializer.dumps({"u": actor.user_id, "r": actor.role, "s": actor.school_id, "j": session_id})

    def read(self, token: str) -> Actor:
        try:
            payload = self._serializer.loads(token, max_age=self.ttl_seconds)
        except SignatureExpired as exc:
            raise Unauthenticated("TOKEN_EXPIRED") from exc
        except BadSignature as exc:
            raise Unauthenticated("TOKEN_INVALID") from exc
        try:
            return Actor(user_id=int(payload["u"]), role=str(payload["r"]), school_id=payload["s"],
                         session_id=str(payload.get("j") or ""))
        except (KeyError, TypeError, ValueError) as exc:
            raise Unauthenticated("TOKEN_INVALID") from exc
