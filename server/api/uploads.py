"""Reading an uploaded file from a multipart request."""

from __future__ import annotations

from flask import request

from server.domain.errors import InvalidInput


def uploaded_file(field: str = "file") -> tuple[bytes, str]:
    """The bytes and the client's file name; a missing file is a 422 on that field."""
    upload = request.files.get(field)
    if upload is None:
        raise InvalidInput("VALIDATION_ERROR", errors={field: ["请选择要上传的文件"]})
    return upload.read(), upload.filename or ""
