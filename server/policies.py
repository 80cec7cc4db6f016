"""The domain's policies, built from the settings in this one place for the API and the workers."""

from __future__ import annotations

from datetime import timedelta

from server.config import Settings
from server.domain.companion import PairingPolicy
from server.domain.exams import AttemptPolicy
from server.domain.faces import FaceCheckGate, FacePolicy
from server.domain.photos import RateLimiter, UploadKind, UploadQuotas


def attempt_policy(settings: Settings) -> AttemptPolicy:
    return AttemptPolicy(
        silence=timedelta(seconds=settings.ATTEMPT_SILENCE_SECONDS),
        entry_gate=FaceCheckGate(valid_for=timedelta(seconds=settings.FACE_CHECK_VALID_SECONDS)),
    )


def face_policy(settings: Settings) -> FacePolicy:
    return FacePolicy(threshold=settings.FACE_MATCH_THRESHOLD, long_edge=settings.PHOTO_LONG_EDGE)


def pairing_policy(settings: Settings) -> PairingPolicy:
    return PairingPolicy(
        secret=settings.secret_key.encode(),
        ttl=timedelta(seconds=settings.PAIRING_TTL_SECONDS),
        second_camera_grace=timedelta(seconds=settings.SECOND_CAMERA_GRACE_SECONDS),
    )


def upload_quotas(settings: Settings, limiter: RateLimiter) -> UploadQuotas:
    return UploadQuotas(
        limiter=limiter,
        limits={
            UploadKind.FACE_CHECK: settings.FACE_CHECK_LIMIT,
            UploadKind.DESKTOP_SNAPSHOT: settings.DESKTOP_SNAPSHOT_LIMIT,
            UploadKind.ANSWER_PHOTO: settings.ANSWER_PHOTO_LIMIT,
            UploadKind.PHONE_SNAPSHOT: settings.PHONE_SNAPSHOT_LIMIT,
            UploadKind.BASE_PHOTO_REQUEST: settings.BASE_PHOTO_REQUEST_LIMIT,
        },
    )
