import marshmallow as ma

from server.api.schemas import BeijingDateTime, StrEnumField
from server.domain import faces


class CaptureSchema(ma.Schema):
    """A webcam capture (multipart field `file`): JPEG, PNG, WebP or HEIC."""

    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class FaceCheckSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    exam_id = ma.fields.Integer(required=True)
    status = StrEnumField(faces.FaceCheckStatus, required=True)
    reason = StrEnumField(
        faces.FaceCheckReason, allow_none=True, metadata={"description": "why it failed"}
    )
    score = ma.fields.Float(
        allow_none=True,
        metadata={
            "description": "cosine similarity to the base photo, -1..1; null when no face was "
            "compared"
        },
    )
    message = ma.fields.Method("_message", allow_none=True, metadata={"type": "string"})
    faq = ma.fields.Method("_faq", allow_none=True, metadata={"type": "integer"})
    created_at = BeijingDateTime(required=True)
    completed_at = BeijingDateTime(allow_none=True)

    def _message(self, check):
        return faces.message_for(check.status, check.reason)[0]

    def _faq(self, check):
        return faces.message_for(check.status, check.reason)[1]
