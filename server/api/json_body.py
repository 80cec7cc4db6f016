"""A JSON request body for the hottest views: what ``@blp.arguments(schema)`` does for a JSON
body -- the same OpenAPI and the same 400/422 answers -- without webargs' per-request
machinery. On a re-requested QR code (answered from memory) that machinery was a fifth of the
request's CPU; every candidate asks in the same minute.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache, wraps

import marshmallow as ma
from flask import request
from flask_smorest import Blueprint
from werkzeug.exceptions import BadRequest, UnprocessableEntity


def json_body(blp: Blueprint, schema: ma.Schema, before: Callable[..., object] | None = None):
    """Document `schema` (an instance) as the required JSON body; the view gets the loaded
    body as its first argument, as with ``@blp.arguments``. `before`, given the view's URL
    arguments, runs first: an ownership check there makes a stranger's id a 404 whatever the
    body (``@blp.arguments`` would answer 422 about the body first)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if before is not None:
                before(**kwargs)
            return view(load_json(schema), *args, **kwargs)

        return blp.doc(
            requestBody={"required": True, "content": {"application/json": {"schema": schema}}},
            responses={"422": {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"}},
        )(wrapper)

    return decorator


MEMO_MAX_BODY = 256  # bytes


def load_json(schema: ma.Schema) -> dict:
    """The body loaded by `schema`; errors are shaped as webargs shapes them (see api/errors).
    Small bodies repeat verbatim (every desktop sends {"purpose": "answer_photo"}): their
    loaded form is remembered, so a repeat costs a look-up. For flat schemas: the result is
    copied one level deep."""
    data = request.get_data(cache=True) if request.is_json else b""
    if len(data) <= MEMO_MAX_BODY:
        return dict(_load_small(schema, data))
    return _load(schema, data)


@lru_cache(maxsize=1024)  # by (schema instance, body); errors are raised, not remembered
def _load_small(schema: ma.Schema, data: bytes) -> dict:
    return _load(schema, data)


def _load(schema: ma.Schema, data: bytes) -> dict:
    try:
        body = json.loads(data) if data else {}  # no JSON body: every required field is missing
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
        raise _with_messages(BadRequest(), {"json": ["Invalid JSON body."]}) from None
    try:
        return schema.load(body)
    except ma.ValidationError as error:
        raise _with_messages(UnprocessableEntity(), {"json": error.messages}) from None


def _with_messages(error, messages: dict):
    error.data = {"messages": messages}
    return error
