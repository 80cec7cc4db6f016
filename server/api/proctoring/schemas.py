import marshmallow as ma

from server.api.integrity.schemas import IntegrityEventSchema
from server.api.photo_fields import PhotoUrl
from server.api.schemas import BeijingDateTime, StrEnumField, Text
from server.domain.companion import LiveStatus, SecondCameraState
from server.domain.exams import ResultStatus, ReviewDecision
from server.domain.proctoring import (
    CLIENT_EVENT_FLAGS,
    FLAG_LABELS,
    FlagKind,
    SnapshotSource,
    SnapshotStatus,
)


class SnapshotFileSchema(ma.Schema):
    """A webcam frame (multipart field `file`)."""

    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class SnapshotSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    attempt_id = ma.fields.Integer(required=True)
    status = StrEnumField(SnapshotStatus, required=True)
    source = StrEnumField(SnapshotSource, required=True)
    created_at = BeijingDateTime(required=True)


class ClientEventSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.OneOf(list(CLIENT_EVENT_FLAGS)))
    detail = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(max=40)),
        values=Text(validate=ma.validate.Length(max=200)),
        validate=ma.validate.Length(max=20),
        load_default=dict,
    )


class FlagSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = StrEnumField(FlagKind, required=True)
    label = ma.fields.Function(
        lambda flag: FLAG_LABELS.get(flag.kind, flag.kind), metadata={"type": "string"}
    )
    time = BeijingDateTime(attribute="created_at", required=True)
    evidence_url = PhotoUrl(
        attribute="evidence_key", metadata={"description": "the frame that raised it"}
    )
    detail = ma.fields.Dict(required=True)


class ClientEventResultSchema(ma.Schema):
    event = ma.fields.Nested(IntegrityEventSchema, required=True)
    flag = ma.fields.Nested(FlagSchema, allow_none=True)


class ReviewSchema(ma.Schema):
    attempt_id = ma.fields.Integer(attribute="id", required=True)
    exam_id = ma.fields.Integer(required=True)
    student_id = ma.fields.Integer(required=True)
    student_no = ma.fields.String(attribute="student.student_no", allow_none=True)
    name = ma.fields.String(attribute="student.name", allow_none=True)
    result_status = StrEnumField(ResultStatus, required=True)
    objective_score = ma.fields.Float(allow_none=True)
    submitted_at = BeijingDateTime(allow_none=True)
    flags = ma.fields.List(ma.fields.Nested(FlagSchema), required=True)
    review_decision = StrEnumField(ReviewDecision, allow_none=True)
    review_note = ma.fields.String(allow_none=True)
    reviewed_by = ma.fields.Integer(allow_none=True)
    reviewed_at = BeijingDateTime(allow_none=True)


class ReviewQuerySchema(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf(["pending", "decided"]))


class ReviewDecisionSchema(ma.Schema):
    decision = StrEnumField(ReviewDecision, required=True)
    note = Text(validate=ma.validate.Length(max=500), allow_none=True)


class LiveRowSchema(ma.Schema):
    """An enrolled candidate during the exam; attempt fields are null until they start."""

    student_id = ma.fields.Integer(attribute="student.id", required=True)
    student_no = ma.fields.String(attribute="student.student_no", allow_none=True)
    name = ma.fields.String(attribute="student.name", allow_none=True)
    attempt_id = ma.fields.Integer(allow_none=True)
    status = StrEnumField(LiveStatus, required=True)
    result_status = StrEnumField(ResultStatus, allow_none=True)
    last_seen_at = BeijingDateTime(allow_none=True)
    online = ma.fields.Boolean(required=True)
    phones_paired = ma.fields.Integer(required=True)
    second_camera = StrEnumField(SecondCameraState, allow_none=True)
    flags = ma.fields.List(ma.fields.Nested(FlagSchema), required=True)
