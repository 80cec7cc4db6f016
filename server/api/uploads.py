"""Reading an uploaded file from a multipart request."""

from __future__ import annotations

from typing import IO

from flask import request

from server.domain.errors import InvalidInput


def uploaded_file(field: str = "file") -> tuple[bytes, str]:
    """The bytes and the client's file name; a missing file is a 422 on that field."""
    upload = request.files.get(field)
    if upload is None:
        raise InvalidInput("VALIDATION_ERROR", errors={field: ["请选择要上传的文件"]})
    return upload.read(), upload.filename or ""


def uploaded_stream(field: str = "file") -> IO[bytes]:
    """The uploaded file itself, unread: werkzeug spools a large one to a temporary file, so a
    reader that seeks (zipfile) never holds it in memory. A missing file is a 422 on that field."""
    upload = request.files.get(field)
    if upload is None:
        raise InvalidInput("VALIDATION_ERROR", errors={field: ["请选择要上传的文件"]})
    return upload.stream
