"""Schemas shared by every resource."""

from __future__ import annotations

from enum import StrEnum

import marshmallow as ma

from server.domain.clock import SHANGHAI, to_shanghai
from server.domain.database import MAX_INT4


class ErrorSchema(ma.Schema):
    """The one error format: a stable code, a Chinese message and the FAQ entry explaining it."""

    code = ma.fields.String(required=True, metadata={"example": "INVALID_CREDENTIALS"})
    message = ma.fields.String(required=True, metadata={"description": "中文说明"})
    faq = ma.fields.Integer(
        allow_none=True, required=True, metadata={"description": "FAQ entry number"}
    )
    request_id = ma.fields.String()
    errors = ma.fields.Dict(
        metadata={
            "description": "Offending fields and what is wrong with them; `json` when the body "
            "as a whole is unreadable (e.g. invalid JSON)"
        }
    )
    # Context some errors carry next to the code (DomainError extras).
    max_rows = ma.fields.Integer(
        metadata={"description": "IMPORT_TOO_MANY_ROWS: the most rows one file may have"}
    )
    missing = ma.fields.List(
        ma.fields.String(), metadata={"description": "IMPORT_BAD_HEADER: missing columns"}
    )
    student_ids = ma.fields.List(
        ma.fields.Integer(), metadata={"description": "NOT_FOUND on enrolment: unknown ids"}
    )
    reason = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "EXAM_NOT_OPEN: why the exam cannot be entered (中文); "
            "UNSUPPORTED_IMAGE: format or unreadable; BASE_PHOTO_UNUSABLE: the photo's quality "
            "reason"
        },
    )
    state = ma.fields.String(metadata={"description": "EXAM_NOT_OPEN: the exam's state"})
    codes = ma.fields.List(
        ma.fields.String(), metadata={"description": "Environment refusals: the reported codes"}
    )
    remote_tools = ma.fields.List(
        ma.fields.String(), metadata={"description": "REMOTE_ASSIST_DETECTED: the tools reported"}
    )
    question_count = ma.fields.Integer(
        metadata={"description": "QUESTION_NOT_FOUND: questions in the paper"}
    )
    submit_reason = ma.fields.String(
        allow_none=True, metadata={"description": "ATTEMPT_SUBMITTED: who or what submitted it"}
    )
    deadline = ma.fields.String(
        metadata={"description": "DEADLINE_PASSED: the attempt's deadline (ISO 8601)"}
    )
    shortages = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "PAPER_RULE_MISSING: what the bank cannot supply"},
    )
    size = ma.fields.Integer(
        metadata={"description": "UPLOAD_TOO_LARGE: the upload's size in bytes"}
    )
    max_bytes = ma.fields.Integer(metadata={"description": "UPLOAD_TOO_LARGE: the limit in bytes"})
    format = ma.fields.String(
        metadata={"description": "IMAGE_TOO_LARGE: the image format (JPEG, PNG, WEBP, HEIF)"}
    )
    width = ma.fields.Integer(metadata={"description": "IMAGE_TOO_LARGE: the declared width"})
    height = ma.fields.Integer(metadata={"description": "IMAGE_TOO_LARGE: the declared height"})
    max_pixels = ma.fields.Integer(
        metadata={"description": "IMAGE_TOO_LARGE: the most pixels this format may declare"}
    )
    retry_after = ma.fields.Integer(
        metadata={
            "description": "UPLOAD_RATE_LIMITED: seconds until the next upload is accepted "
            "(also the Retry-After header)"
        }
    )
    limit = ma.fields.String(
        metadata={"description": "UPLOAD_RATE_LIMITED: the limit, e.g. `10 per 10 minutes`"}
    )
    kind = ma.fields.String(
        metadata={
            "description": "UPLOAD_RATE_LIMITED: which upload (face_check, desktop_snapshot, "
            "answer_photo, phone_snapshot, base_photo_request)"
        }
    )
    max_files = ma.fields.Integer(
        metadata={"description": "ZIP_TOO_MANY_FILES: the most photos one zip may hold"}
    )
    status = ma.fields.String(metadata={"description": "REQUEST_DECIDED: the request's decision"})
    errcode = ma.fields.Integer(
        allow_none=True, metadata={"description": "WECHAT_*: WeChat's own errcode"}
    )
    purpose = ma.fields.String(
        metadata={"description": "PAIRING_WRONG_PURPOSE: what the code was issued for"}
    )
    result_status = ma.fields.String(
        metadata={"description": "REVIEW_NOT_PENDING: the attempt's result state"}
    )


class StrEnumField(ma.fields.Enum):
    """One of a StrEnum's values: {"type": "string", "enum": [...]} in the OpenAPI, a member
    when loaded. Dumps members and plain strings alike (rows read without the ORM, dicts), as
    the same string."""

    def __init__(self, enum: type[StrEnum], **kwargs):
        super().__init__(enum, by_value=ma.fields.String, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else self.field._serialize(str(value), attr, obj, **kwargs)


class BeijingDateTime(ma.fields.AwareDateTime):
    """ISO 8601 with offset, shown in Beijing time; naive input is read as Beijing time."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", default_timezone=SHANGHAI, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return super()._serialize(to_shanghai(value), attr, obj, **kwargs)


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ma.ValidationError("不能包含空字符（NUL）")


class Text(ma.fields.String):
    """A string PostgreSQL can store: a NUL character is a validation error (422), not a 500."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [*self.validators, _no_nul]


class StrictInt(ma.fields.Integer):
    """Integers only: "1" and 1.0 are validation errors, not silently coerced."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)


#: Row ids are PostgreSQL `integer`s: a larger (or non-positive) id is a validation error (422),
#: not a database error (500).
ID_RANGE = ma.validate.Range(min=1, max=MAX_INT4)


class IdSchema(ma.Schema):
    id = ma.fields.Integer(required=True)


class ImportFileSchema(ma.Schema):
    """A bulk-import upload (multipart field `file`)."""

    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class RowErrorSchema(ma.Schema):
    line = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True)
    field = ma.fields.String(allow_none=True)


class ImportReportSchema(ma.Schema):
    """The per-row report of every bulk import."""

    total = ma.fields.Integer(required=True)
    created = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    errors = ma.fields.List(ma.fields.Nested(RowErrorSchema), required=True)
