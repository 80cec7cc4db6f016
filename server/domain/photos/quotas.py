"""Per-candidate cost limits on the uploads that queue work for the media workers.

A face check, a webcam snapshot or a phone photo is cheap to send and costly to process (storage,
a decode, the face engine). Each kind has its own moving-window limit per candidate, counted in
one atomic step by a RateLimiter (server.adapters.rate_limits, in Redis); past it the upload is
refused with UPLOAD_RATE_LIMITED (429) and the seconds until the next one is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from server.domain.errors import RateLimited


class UploadKind(StrEnum):
    FACE_CHECK = "face_check"  # the entry face check's capture (desktop)
    DESKTOP_SNAPSHOT = "desktop_snapshot"  # the webcam during the exam (desktop)
    ANSWER_PHOTO = "answer_photo"  # a photo answer from the paired phone
    PHONE_SNAPSHOT = "phone_snapshot"  # the phone as a second camera
    BASE_PHOTO_REQUEST = "base_photo_request"  # a new ID photo from the phone album


class RateLimiter(Protocol):
    def hit(self, limit: str, key: str) -> float | None:
        """Count one use of `key` against `limit` ("10 per 10 minutes") if it is within it, and
        answer None; past it count nothing and answer the seconds until a use is free again."""


@dataclass(frozen=True)
class UploadQuotas:
    limiter: RateLimiter
    limits: Mapping[UploadKind, str]  # a kind without a limit is not limited

    def spend(self, kind: UploadKind, student_id: int) -> None:
        """One upload of `kind` by the candidate `student_id`, or UPLOAD_RATE_LIMITED."""
        limit = self.limits.get(kind)
        if not limit:
            return
        wait = self.limiter.hit(limit, f"upload:{kind}:{student_id}")
        if wait is not None:
            raise RateLimited(
                "UPLOAD_RATE_LIMITED", kind=str(kind), limit=limit, retry_after=math.ceil(wait)
            )
