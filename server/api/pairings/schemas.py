import marshmallow as ma

from server.api.schemas import BeijingDateTime, StrEnumField
from server.domain.companion import PairingPurpose
from server.domain.exams import AnswerPhotoStatus

UPLOAD_ID = r"^[A-Za-z0-9_-]{1,64}$"


class QrCodeRequestSchema(ma.Schema):
    purpose = StrEnumField(PairingPurpose, required=True)


class QrCodeSchema(ma.Schema):
    scene = ma.fields.String(
        required=True, metadata={"description": "32 characters, WeChat's scene alphabet"}
    )
    url = ma.fields.String(required=True, metadata={"description": "what the code opens"})
    png = ma.fields.String(required=True, metadata={"description": "the code image, base64"})
    content_type = ma.fields.String(required=True, metadata={"example": "image/png"})
    expires_at = BeijingDateTime(required=True)
    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(["qrcode", "wxacode"]))
    n = ma.fields.Integer(required=True)
    purpose = StrEnumField(PairingPurpose, required=True)


class RedeemSchema(ma.Schema):
    scene = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))


class PairingSchema(ma.Schema):
    pairing_id = ma.fields.Integer(attribute="id", required=True)
    attempt_id = ma.fields.Integer(required=True)
    question = ma.fields.Integer(
        attribute="position", required=True, metadata={"description": "question n"}
    )
    purpose = StrEnumField(PairingPurpose, required=True)
    paired_at = BeijingDateTime(attribute="redeemed_at", required=True)


class PhotoUploadSchema(ma.Schema):
    """multipart: `file` (the photo) and `upload_id` (the client's id: a retry sends the same)."""

    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class UploadFormSchema(ma.Schema):
    upload_id = ma.fields.String(
        validate=ma.validate.Regexp(UPLOAD_ID),
        metadata={
            "description": "the client's id for this upload; a retry with the same id is not "
            "stored twice"
        },
    )


class UploadedPhotoSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    n = ma.fields.Integer(attribute="position", required=True)
    status = StrEnumField(
        AnswerPhotoStatus,
        required=True,
        metadata={
            "description": "rejected: damaged inside, found by processing "
            "(the desktop was sent upload_rejected)"
        },
    )
    upload_id = ma.fields.String(required=True)
