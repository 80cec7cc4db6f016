"""Reading an uploaded file from a multipart request."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from flask import request
from flask_smorest import Blueprint

from server.api.schemas import ErrorSchema
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


def photo_upload_errors(blp: Blueprint, *, rate_limited: bool = True) -> Callable:
    """Document what a photo upload answers when it is refused before anything is stored:
    413 past the byte limit or the format's pixel limit (decided from the header), 415 for
    anything but an intact JPEG/PNG/WebP/HEIC and, for uploads limited per candidate, 429 with
    Retry-After."""

    def decorator(view: Callable) -> Callable:
        view = blp.alt_response(
            413,
            schema=ErrorSchema,
            description="UPLOAD_TOO_LARGE (bytes) or IMAGE_TOO_LARGE (the header declares more "
            "pixels than its format may have: 120 MP for a camera's JPEG, 40 MP for PNG and "
            "progressive JPEG, 25 MP for WebP, 50 MP for HEIC)",
        )(view)
        view = blp.alt_response(
            415,
            schema=ErrorSchema,
            description="UNSUPPORTED_IMAGE: not a JPEG, PNG, WebP or HEIC photo, or a cut file",
        )(view)
        if rate_limited:
            view = blp.alt_response(
                429,
                schema=ErrorSchema,
                description="UPLOAD_RATE_LIMITED: too many uploads of this kind by this "
                "candidate; `retry_after` seconds",
                headers={
                    "Retry-After": {
                        "description": "seconds until the next upload is accepted",
                        "schema": {"type": "integer", "minimum": 1},
                    }
                },
            )(view)
        return view

    return decorator
