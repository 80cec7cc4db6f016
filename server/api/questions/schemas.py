import marshmallow as ma

from server.api.schemas import StrEnumField, StrictInt, Text
from server.domain.exams import QuestionType

# apispec writes a Decimal field's Range bounds as strings ("1000.00"), which is invalid
# OpenAPI: the bounds are given here instead.
SCORE_BOUNDS = {"minimum": 0, "exclusiveMinimum": True, "maximum": 1000}


class OptionSchema(ma.Schema):
    key = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=8))
    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class QuestionCreateSchema(ma.Schema):
    type = StrEnumField(QuestionType, required=True)
    stem = Text(required=True, validate=ma.validate.Length(min=1, max=20000))
    options = ma.fields.List(
        ma.fields.Nested(OptionSchema), load_default=list, validate=ma.validate.Length(max=12)
    )
    answer = ma.fields.Raw(
        allow_none=True,
        metadata={
            "description": 'single: "A"; multiple: ["A","C"]; judge: true/false; '
            'fill: [["北京","北京市"], ["3"]] (alternatives per blank); essay/photo: reference text'
        },
    )
    score = ma.fields.Decimal(
        required=True,
        as_string=False,
        places=2,
        validate=ma.validate.Range(min=0, min_inclusive=False, max=1000),
        metadata=SCORE_BOUNDS,
    )
    external_id = Text(validate=ma.validate.Length(max=64))


class QuestionSchema(ma.Schema):
    """Teachers' view of a bank question, answer key included."""

    id = ma.fields.Integer(required=True)
    course_id = ma.fields.Integer(required=True)
    external_id = ma.fields.String(allow_none=True)
    type = StrEnumField(QuestionType, required=True)
    stem = ma.fields.String(required=True)
    options = ma.fields.List(ma.fields.Nested(OptionSchema), required=True)
    answer = ma.fields.Raw(allow_none=True)
    score = ma.fields.Float(required=True)


class QuestionQuerySchema(ma.Schema):
    type = StrEnumField(QuestionType)


class SectionSchema(ma.Schema):
    type = StrEnumField(QuestionType, required=True)
    count = StrictInt(required=True, validate=ma.validate.Range(min=1, max=500))
    # A Field, not a Decimal: SectionOutSchema's is a Float.
    score: ma.fields.Field = ma.fields.Decimal(
        required=True,
        as_string=False,
        places=2,
        validate=ma.validate.Range(min=0, min_inclusive=False, max=1000),
        metadata={**SCORE_BOUNDS, "description": "Points for each question of this section"},
    )


class PaperRuleInSchema(ma.Schema):
    sections = ma.fields.List(
        ma.fields.Nested(SectionSchema), required=True, validate=ma.validate.Length(min=1, max=20)
    )


class SectionOutSchema(SectionSchema):
    # A Decimal would reach the JSON as a string ("5.00"); the documented type is a number.
    score = ma.fields.Float(
        required=True, metadata={"description": "Points for each question of this section"}
    )


class PaperRuleSchema(ma.Schema):
    exam_id = ma.fields.Integer(required=True)
    sections = ma.fields.List(ma.fields.Nested(SectionOutSchema), required=True)
    total_score = ma.fields.Float(required=True)
