import marshmallow as ma

from server.api.photo_fields import PhotoUrl
from server.api.schemas import BeijingDateTime, StrEnumField, Text
from server.app_services import services
from server.domain.faces import BasePhotoSource, BasePhotoStatus, QualityReason, RequestStatus


class PhotoFileSchema(ma.Schema):
    """A photo (multipart field `file`): JPEG, PNG, WebP or HEIC, any size up to the limit."""

    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ZipFileSchema(ma.Schema):
    """A zip of photos named `<student_no>.jpg` (multipart field `file`)."""

    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ZipQuerySchema(ma.Schema):
    school_id = ma.fields.Integer(
        validate=ma.validate.Range(min=1), metadata={"description": "admins only"}
    )


class BasePhotoSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    student_id = ma.fields.Integer(required=True)
    status = StrEnumField(
        BasePhotoStatus,
        required=True,
        metadata={
            "description": "processing → active (used by face checks) or unusable (no single "
            "clear face: the previous photo stays active); replaced ones are kept for audit"
        },
    )
    reason = StrEnumField(
        QualityReason, allow_none=True, metadata={"description": "why it is unusable"}
    )
    source = StrEnumField(
        BasePhotoSource,
        required=True,
        metadata={"description": "teacher upload or an approved request"},
    )
    url = PhotoUrl(
        attribute="photo_key",
        ready=lambda photo: photo.status != BasePhotoStatus.PROCESSING,
        metadata={"description": "null while processing"},
    )
    created_at = BeijingDateTime(required=True)
    activated_at = BeijingDateTime(allow_none=True)


class BasePhotoStateSchema(ma.Schema):
    student_id = ma.fields.Integer(required=True)
    active = ma.fields.Nested(
        BasePhotoSchema, allow_none=True, metadata={"description": "used by face checks"}
    )
    latest = ma.fields.Nested(
        BasePhotoSchema, allow_none=True, metadata={"description": "the newest upload"}
    )


class ZipFileResultSchema(ma.Schema):
    file = ma.fields.String(required=True)
    student_no = ma.fields.String(allow_none=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(["accepted", "error"]))
    base_photo_id = ma.fields.Integer(allow_none=True)
    code = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)


class ZipReportSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    accepted = ma.fields.Integer(required=True)
    files = ma.fields.List(ma.fields.Nested(ZipFileResultSchema), required=True)


class BasePhotoRequestSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    student_id = ma.fields.Integer(required=True)
    status = StrEnumField(RequestStatus, required=True)
    score = ma.fields.Float(
        allow_none=True,
        metadata={
            "description": "face match against the base photo active when it was scored (-1..1); "
            "null until scored, or without a base photo or a usable face"
        },
    )
    quality_reason = StrEnumField(QualityReason, allow_none=True)
    scored = ma.fields.Function(
        lambda request: request.scored_at is not None, metadata={"type": "boolean"}
    )
    photo_url = PhotoUrl(
        attribute="photo_key",
        ready=lambda request: request.scored_at is not None,
        metadata={"description": "the proposed photo; null until processed"},
    )
    created_at = BeijingDateTime(required=True)
    decided_at = BeijingDateTime(allow_none=True)
    decision_note = ma.fields.String(allow_none=True)


class ReviewedRequestSchema(BasePhotoRequestSchema):
    """A request as teachers see it: the current and proposed photo side by side."""

    student_no = ma.fields.String(attribute="student.student_no", allow_none=True)
    student_name = ma.fields.String(attribute="student.name", allow_none=True)
    current_photo_url = PhotoUrl(
        attribute="compared_base_photo.photo_key",
        metadata={"description": "the base photo the score was computed against"},
    )
    decided_by = ma.fields.Integer(allow_none=True)
    threshold = ma.fields.Method(
        "_threshold",
        metadata={
            "type": "number",
            "description": "the score from which faces count as the same person "
            "(FACE_MATCH_THRESHOLD)",
        },
    )

    def _threshold(self, _request):
        return services().settings.FACE_MATCH_THRESHOLD


class RequestQuerySchema(ma.Schema):
    status = StrEnumField(RequestStatus)


class DecisionSchema(ma.Schema):
    note = Text(validate=ma.validate.Length(max=500), allow_none=True)
