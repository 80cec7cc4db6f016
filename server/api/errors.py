"""The one place where domain errors and HTTP errors become responses."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify
from werkzeug.exceptions import HTTPException

from server.domain import errors as domain
from server.domain.error_catalogue import lookup

log = logging.getLogger("examcloud.errors")

DOMAIN_STATUS: dict[type[domain.DomainError], int] = {
    domain.InvalidInput: 422,
    domain.Unauthenticated: 401,
    domain.Forbidden: 403,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.Gone: 410,
    domain.TooLarge: 413,
    domain.Unsupported: 415,
    domain.RateLimited: 429,
    domain.Unavailable: 503,
}

HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "TOKEN_MISSING",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "UPLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}


def error_body(code: str, message: str | None = None, **extra) -> dict:
    entry = lookup(code)
    body = {"code": code, "message": message or entry.message, "faq": entry.faq}
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    return body


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(domain.DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)


def handle_domain_error(error: domain.DomainError):
    status = next((code for cls, code in DOMAIN_STATUS.items() if isinstance(error, cls)), 400)
    response = jsonify(error_body(error.code, error.message, **error.extra))
    response.status_code = status
    retry_after = error.extra.get("retry_after")
    if isinstance(retry_after, int) and retry_after > 0:  # a rate limit says when to come back
        response.headers["Retry-After"] = str(retry_after)
    return response


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        return handle_unexpected(error)
    code = HTTP_CODES.get(status, "BAD_REQUEST")
    extra = {}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if messages:
        # webargs nests field errors by location ("json", "query", "files"); flatten that level
        # so clients read errors[field]. A body unreadable as a whole stays {"json": [...]}.
        if isinstance(messages, dict) and len(messages) == 1:
            ((location, inner),) = messages.items()
            if location in (
                "json",
                "query",
                "form",
                "files",
                "headers",
                "view_args",
                "path",
            ) and isinstance(inner, dict):
                messages = inner
        extra["errors"] = messages
    response = jsonify(error_body(code, **extra))
    response.status_code = status
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    valid_methods = getattr(error, "valid_methods", None)  # MethodNotAllowed's
    if status == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException) and error.code == 503:
        return jsonify(error_body("SERVICE_UNAVAILABLE")), 503
    log.exception("unhandled error (request_id=%s)", g.get("request_id"), exc_info=error)
    return jsonify(error_body("INTERNAL_ERROR")), 500
