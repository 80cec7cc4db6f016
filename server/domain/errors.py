"""Domain errors. Each carries a catalogue code; the API maps the class to an HTTP status."""

from __future__ import annotations

from typing import Any

from server.domain.error_catalogue import lookup


class DomainError(Exception):
    def __init__(self, code: str, message: str | None = None, **extra: Any) -> None:
        entry = lookup(code)  # unknown codes fail loudly, in tests first
        self.code = code
        self.message = message or entry.message
        self.faq = entry.faq
        self.extra = extra
        super().__init__(f"{code}: {self.message}")


class InvalidInput(DomainError):
    """Well-formed request whose content is wrong (422)."""


class Unauthenticated(DomainError):
    """Bad credentials or a missing, invalid or expired token (401)."""


class Forbidden(DomainError):
    """Authenticated but not allowed (403)."""


class NotFound(DomainError):
    """Unknown id, or another school's id (404)."""


class TooLarge(DomainError):
    """The upload exceeds a size limit (413)."""


class Unsupported(DomainError):
    """The upload's content is not a kind we accept, or is damaged (415)."""


class Conflict(DomainError):
    """State conflict or duplicate (409)."""


class Gone(DomainError):
    """Existed, but no longer usable: an expired pairing code (410)."""


class RateLimited(DomainError):
    """Too many attempts (429)."""


class Unavailable(DomainError):
    """A backing service is down (503)."""
