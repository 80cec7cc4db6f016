"""Faces: the face engine's contract, base photos (底照) and their replacement requests, and the
face check at exam entry.
"""

from server.domain.faces.base_photo_zip import ZipLimits, import_base_photo_zip
from server.domain.faces.base_photos import (
    WAITING_BASE_PHOTOS,
    base_photo_state,
    prepare_base_photo,
    upload_base_photo,
    usable_base_photo,
)
from server.domain.faces.checks import (
    WAITING_FACE_CHECKS,
    FaceCheckGate,
    get_face_check,
    message_for,
    request_face_check,
    run_face_check,
)
from server.domain.faces.engine import FaceAnalyser, FacePolicy, embedding_vector, similarity
from server.domain.faces.models import (
    BasePhoto,
    BasePhotoSource,
    BasePhotoStatus,
    FaceCheck,
    FaceCheckReason,
    FaceCheckStatus,
    QualityReason,
    RequestStatus,
)
from server.domain.faces.photo_requests import (
    create_request,
    decide_request,
    my_requests,
    request_query,
    score_request,
)

__all__ = [
    "BasePhoto",
    "BasePhotoSource",
    "BasePhotoStatus",
    "FaceAnalyser",
    "FaceCheck",
    "FaceCheckGate",
    "FaceCheckReason",
    "FaceCheckStatus",
    "FacePolicy",
    "QualityReason",
    "RequestStatus",
    "WAITING_BASE_PHOTOS",
    "WAITING_FACE_CHECKS",
    "ZipLimits",
    "base_photo_state",
    "create_request",
    "decide_request",
    "embedding_vector",
    "get_face_check",
    "import_base_photo_zip",
    "message_for",
    "my_requests",
    "prepare_base_photo",
    "request_face_check",
    "request_query",
    "run_face_check",
    "score_request",
    "similarity",
    "upload_base_photo",
    "usable_base_photo",
]
