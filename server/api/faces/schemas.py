import marshmallow as ma

from server.api.schemas import BeijingDateTime
from server.domain import faces

FACE_CHECK_STATES = ["queued", "passed", "failed"]
FACE_CHECK_REASONS = ["no_face", "multiple_faces", "too_dark", "blurry", "face_too_small", "mismatch",
                      "no_base_photo", "unsupported"]


class CaptureSchema(ma.Schema):
    """A webcam capture (multipart field `file`): JPEG, PNG, WebP or HEIC."""

    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class FaceCheckSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    exam_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(FACE_CHECK_STATES))
    reason = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(FACE_CHECK_REASONS),
                              metadata={"description": "why it failed"})
    score = ma.fields.Float(allow_none=True, metadata={
        "description": "cosine similarity to the base photo, -1..1; null when no face was compared"})
    message = ma.fields.Method("_message", allow_none=True, metadata={"type": "string"})
    faq = ma.fields.Method("_faq", allow_none=True, metadata={"type": "integer"})
    created_at = BeijingDateTime(required=True)
    completed_at = BeijingDateTime(allow_none=True)

    def _message(self, check):
        return faces.message_for(check.status, check.reason)[0]

    def _faq(self, check):
        return faces.message_for(check.status, check.reason)[1]
