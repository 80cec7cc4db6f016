"""Downloads of locally stored photos through signed, expiring links (the S3 backend hands out
presigned URLs instead). The signature is the authorisation: links are minted only for people
allowed to see the photo, and expire after PHOTO_URL_TTL_SECONDS."""

from __future__ import annotations

import marshmallow as ma
from flask import Response

from server.adapters.storage import LocalStorage, ObjectNotFound
from server.api.blueprint import Blueprint
from server.app_services import services
from server.domain import photos
from server.domain.errors import NotFound

blp = Blueprint("files", __name__, description="照片下载", public=True)


class SignedLinkSchema(ma.Schema):
    expires = ma.fields.Integer(required=True)
    signature = ma.fields.String(required=True, validate=ma.validate.Length(equal=64))


@blp.route("/files/<path:key>")
@blp.arguments(SignedLinkSchema, location="query")
@blp.response(200, content_type="image/jpeg")
def download(link, key):
    """A processed photo, for whoever holds an unexpired signed link."""
    storage = services().storage
    # Only processed copies are ever linked: originals (with EXIF) are never served.
    if not (
        isinstance(storage, LocalStorage)
        and photos.is_photo_key(key)
        and storage.verify_url(key, link["expires"], link["signature"])
    ):
        raise NotFound("NOT_FOUND")
    try:
        data = storage.get(key)
    except ObjectNotFound:
        raise NotFound("NOT_FOUND") from None
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=300"})
