import marshmallow as ma

from server.api.questions.schemas import OptionSchema
from server.api.schemas import BeijingDateTime, StrEnumField, StrictInt
from server.app_services import services
from server.domain.database import MAX_INT4
from server.domain.exams import (
    AnswerPhotoStatus,
    AttemptStatus,
    QuestionType,
    ResultStatus,
    SubmitReason,
)


class StartedAttemptSchema(ma.Schema):
    attempt_id = ma.fields.Integer(attribute="attempt.id", required=True)
    exam_id = ma.fields.Integer(attribute="attempt.exam_id", required=True)
    question_count = ma.fields.Integer(attribute="attempt.question_count", required=True)
    deadline = BeijingDateTime(attribute="attempt.deadline", required=True)
    resumed = ma.fields.Boolean(required=True)


class AnswerPhotoSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    # Removed and rejected photos are left out.
    status = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf([AnswerPhotoStatus.PROCESSING, AnswerPhotoStatus.READY]),
    )
    url = ma.fields.Method(
        "_url",
        allow_none=True,
        metadata={
            "type": "string",
            "format": "uri",
            "description": "短期有效的照片链接；处理中为 null",
        },
    )
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)
    created_at = BeijingDateTime(required=True)

    def _url(self, photo):
        return (
            services().photo_url(photo["photo_key"])
            if photo["status"] == AnswerPhotoStatus.READY
            else None
        )


class QuestionViewSchema(ma.Schema):
    """A question as the candidate sees it: never the answer key."""

    n = ma.fields.Integer(required=True)
    type = StrEnumField(QuestionType, attribute="content.type", required=True)
    stem = ma.fields.String(attribute="content.stem", required=True)
    options = ma.fields.List(
        ma.fields.Nested(OptionSchema), attribute="content.options", required=True
    )
    blanks = ma.fields.Integer(
        attribute="content.blanks",
        allow_none=True,
        metadata={"description": "fill: how many blanks"},
    )
    score = ma.fields.Float(attribute="points", required=True)
    saved_answer = ma.fields.Raw(allow_none=True, required=True)
    saved_seq = ma.fields.Integer(required=True)
    photos = ma.fields.List(
        ma.fields.Nested(AnswerPhotoSchema),
        required=True,
        metadata={
            "description": "photos attached from the paired phone, in upload order (photo and "
            "essay questions)"
        },
    )


class AnswerSchema(ma.Schema):
    answer = ma.fields.Raw(
        required=True,
        allow_none=True,
        metadata={
            "description": 'single: "A"; multiple: ["A","C"]; judge: true/false; '
            'fill: ["...", ...]; essay/photo: text; null clears'
        },
    )
    client_seq = StrictInt(required=True, validate=ma.validate.Range(min=1, max=MAX_INT4))


class SavedSchema(ma.Schema):
    n = ma.fields.Integer(required=True)
    saved_seq = ma.fields.Integer(required=True)


class HeartbeatSchema(ma.Schema):
    attempt_id = ma.fields.Integer(attribute="id", required=True)
    deadline = BeijingDateTime(required=True)
    last_seen_at = BeijingDateTime(required=True)


class SubmittedSchema(ma.Schema):
    attempt_id = ma.fields.Integer(attribute="id", required=True)
    status = StrEnumField(ResultStatus, attribute="result_status", required=True)
    submitted_at = BeijingDateTime(allow_none=True)


class ResultSchema(ma.Schema):
    attempt_id = ma.fields.Integer(attribute="attempt.id", required=True)
    exam_id = ma.fields.Integer(attribute="attempt.exam_id", required=True)
    student_id = ma.fields.Integer(attribute="attempt.student_id", required=True)
    status = StrEnumField(ResultStatus, required=True)
    message = ma.fields.String(required=True)
    objective_score = ma.fields.Float(allow_none=True, required=True)
    subjective_score = ma.fields.Float(allow_none=True, required=True)
    total_score = ma.fields.Float(allow_none=True, required=True)
    marking_complete = ma.fields.Boolean(required=True)
    submitted_at = BeijingDateTime(attribute="attempt.submitted_at", allow_none=True)
    submit_reason = StrEnumField(SubmitReason, attribute="attempt.submit_reason", allow_none=True)


class MarkSchema(ma.Schema):
    score = ma.fields.Decimal(
        required=True,
        as_string=False,
        places=2,
        validate=ma.validate.Range(min=0, max=1000),
        metadata={"minimum": 0, "maximum": 1000},
    )  # not "0.00"/"1000.00"


class AttemptSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    student_id = ma.fields.Integer(required=True)
    student_no = ma.fields.String(attribute="student.student_no")
    name = ma.fields.String(attribute="student.name")
    status = StrEnumField(AttemptStatus, required=True)
    result_status = StrEnumField(ResultStatus, required=True)
    started_at = BeijingDateTime(required=True)
    last_seen_at = BeijingDateTime(required=True)
    deadline = BeijingDateTime(required=True)
    submitted_at = BeijingDateTime(allow_none=True)
    submit_reason = StrEnumField(SubmitReason, allow_none=True)
    resume_count = ma.fields.Integer(required=True)
    objective_score = ma.fields.Float(allow_none=True)
    subjective_score = ma.fields.Float(allow_none=True)
