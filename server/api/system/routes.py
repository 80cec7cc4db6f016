"""Time, client versions, health and readiness."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, send_from_directory

from server.api.auth import db
from server.api.blueprint import Blueprint as ApiBlueprint
from server.api.system.schemas import ClientVersionsSchema, ServerTimeSchema
from server.app_services import services
from server.domain import system

log = logging.getLogger(__name__)

blp = ApiBlueprint("system", __name__, description="服务器时间与客户端版本", public=True)
site_blp = Blueprint("site", __name__)  # outside /api/v1: probes and docs assets


@blp.route("/time")
@blp.response(200, ServerTimeSchema)
def get_time():
    """Server time in Beijing time; clients show the skew (FAQ 4)."""
    return system.server_time()


@blp.route("/client-versions")
@blp.response(200, ClientVersionsSchema)
def get_client_versions():
    """Current, minimum and low-end desktop client versions (FAQ 23)."""
    settings = services().settings
    return system.client_versions(
        settings.CLIENT_VERSION_CURRENT,
        settings.CLIENT_VERSION_MINIMUM,
        settings.CLIENT_VERSION_LOW_END,
        settings.CLIENT_DOWNLOAD_BASE_URL,
    )


@site_blp.get("/healthz")
def healthz():
    """Process alive; touches nothing (the benchmarks' baseline)."""
    return {"status": "ok"}


@site_blp.get("/readyz")
def readyz():
    """Database and Redis reachable."""
    checks = {}
    try:
        system.database_ready(db())
        checks["database"] = "ok"
    except Exception as exc:  # report, don't raise: readiness is an answer, not an error
        log.warning("readiness: database unreachable: %s", exc)
        checks["database"] = "unreachable"
    try:
        services().redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        log.warning("readiness: redis unreachable: %s", exc)
        checks["redis"] = "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


@site_blp.get("/api/docs/static/<path:filename>")
def swagger_ui_asset(filename):
    """Swagger UI's files, served locally: the docs work without internet access."""
    from swagger_ui_bundle import swagger_ui_path

    return send_from_directory(swagger_ui_path, filename, max_age=86400)
