import marshmallow as ma

from server.api.schemas import ID_RANGE, BeijingDateTime, StrEnumField, StrictInt, Text
from server.domain.exams import ExamState, ResultStatus


class BatchCreateSchema(ma.Schema):
    name = Text(required=True, validate=ma.validate.Length(min=1, max=100))
    school_id = StrictInt(validate=ID_RANGE, metadata={"description": "Admins only"})


class BatchSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    school_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class CourseCreateSchema(ma.Schema):
    code = Text(required=True, validate=ma.validate.Length(min=1, max=32))
    name = Text(required=True, validate=ma.validate.Length(min=1, max=100))
    school_id = StrictInt(validate=ID_RANGE, metadata={"description": "Admins only"})


class CourseSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    school_id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class ExamCreateSchema(ma.Schema):
    batch_id = StrictInt(required=True, validate=ID_RANGE)
    course_id = StrictInt(required=True, validate=ID_RANGE)
    starts_at = BeijingDateTime(required=True)
    ends_at = BeijingDateTime(required=True)
    duration_minutes = StrictInt(required=True, validate=ma.validate.Range(min=1, max=24 * 60))
    face_check_required = ma.fields.Boolean(load_default=True)


class ExamSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    school_id = ma.fields.Integer(required=True)
    batch_id = ma.fields.Integer(required=True)
    course_id = ma.fields.Integer(required=True)
    batch = ma.fields.Nested(BatchSchema)
    course = ma.fields.Nested(CourseSchema)
    starts_at = BeijingDateTime(required=True)
    ends_at = BeijingDateTime(required=True)
    duration_minutes = ma.fields.Integer(required=True)
    face_check_required = ma.fields.Boolean(required=True)
    paper_rule_missing = ma.fields.Boolean(
        required=True,
        metadata={"description": "FAQ 14: no paper rule yet, candidates cannot start"},
    )


class ExamQuerySchema(ma.Schema):
    batch_id = ma.fields.Integer(validate=ID_RANGE)


class EnrolSchema(ma.Schema):
    student_ids = ma.fields.List(
        StrictInt(validate=ID_RANGE), required=True, validate=ma.validate.Length(min=1, max=5000)
    )


class EnrolResultSchema(ma.Schema):
    exam_id = ma.fields.Integer(required=True)
    enrolled = ma.fields.List(ma.fields.Integer(), required=True)
    already_enrolled = ma.fields.List(ma.fields.Integer(), required=True)


class EnrolledStudentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    student_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class MyExamSchema(ma.Schema):
    """An enrolled exam as the candidate sees it, decided by the server clock (FAQ 4, 11)."""

    exam_id = ma.fields.Integer(attribute="exam.id", required=True)
    course = ma.fields.Nested(CourseSchema, attribute="exam.course", required=True)
    batch_id = ma.fields.Integer(attribute="exam.batch_id", required=True)
    starts_at = BeijingDateTime(attribute="exam.starts_at", required=True)
    ends_at = BeijingDateTime(attribute="exam.ends_at", required=True)
    duration_minutes = ma.fields.Integer(attribute="exam.duration_minutes", required=True)
    face_check_required = ma.fields.Boolean(attribute="exam.face_check_required", required=True)
    state = StrEnumField(ExamState, required=True)
    can_enter = ma.fields.Boolean(required=True)
    reason = ma.fields.String(
        required=True, metadata={"description": "为什么可以或不可以进入（中文）"}
    )
    attempt_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "the candidate's attempt, once started"}
    )
    result_status = StrEnumField(
        ResultStatus,
        allow_none=True,
        metadata={"description": "its result (FAQ 17, 18): look it up from any computer"},
    )
