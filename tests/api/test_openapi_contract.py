"""The published OpenAPI is a contract: schemathesis fuzzes every operation against it.

Every operation runs as three callers (anonymous, a teacher, an enrolled candidate) with data in
place, and every answer must be free of 5xx, carry the documented content type, and match the
response schema documented for its status (the error format included).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from server.app import create_app
from server.extensions import limiter
from tests.conftest import make_settings

SPEC_PATH = "/api/v1/openapi.json"

FIXED_PATHS = {
    "/api/v1/auth/login",
    "/api/v1/time",
    "/api/v1/client-versions",
    "/api/v1/schools",
    "/api/v1/teachers",
    "/api/v1/students",
    "/api/v1/students/import",
    "/api/v1/students/{student_id}/reset-password",
    "/api/v1/batches",
    "/api/v1/courses",
    "/api/v1/exams",
    "/api/v1/exams/{exam_id}/enrolments",
    "/api/v1/me/exams",
    "/api/v1/me/password",
}

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]

ROLES = ["anonymous", "teacher", "candidate"]


# --- the fuzzing -----------------------------------------------------------------------------


def _load_schema():
    """The OpenAPI as the app publishes it, loaded at collection time so each operation is a test.

    Building the document needs no database or Redis, so this app points at unused addresses;
    every request is sent to the test's own `app` (see `case.call_and_validate(app=...)`).
    """
    spec_app = create_app(make_settings(
        ("postgresql+psycopg://unused@127.0.0.1:9/unused", "redis://127.0.0.1:9/0")
    ))
    config = schemathesis.Config.from_dict({"seed": 20240601})
    return schemathesis.openapi.from_wsgi(SPEC_PATH, spec_app, config=config)


schema = _load_schema()


@pytest.fixture
def live_limiter(app):
    """Point the shared login limiter back at this app's Redis.

    `limiter` is one module-level object and each `init_app` rebinds its storage, so an app made
    by another test (e.g. one with an unreachable Redis) would otherwise answer our logins.
    """
    limiter.init_app(app)


@pytest.fixture(params=ROLES)
def caller_headers(request, app, factory, live_limiter) -> dict:
    """Data for every caller, then the headers of the caller this test plays.

    Tables are emptied before each test; this fixture runs after that, so a school, a teacher,
    an enrolled candidate and two exams exist for every generated case (ids start at 1).
    """
    school = factory.school()
    teacher = factory.teacher(school)
    student = factory.student(school)
    factory.exam(school, students=[student])
    factory.exam(school, starts_in=timedelta(days=1))
    if request.param == "teacher":
        return factory.login_teacher(teacher).headers
    if request.param == "candidate":
        return factory.login_student(student).headers
    return {}


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)
def test_every_operation_honours_its_contract(case, app, caller_headers):
    case.call_and_validate(app=app, headers=caller_headers, checks=CHECKS)


# --- the published document and the docs page ------------------------------------------------


def test_openapi_lists_the_public_paths_with_summaries(client):
    response = client.get(SPEC_PATH)
    assert response.status_code == 200
    spec = response.get_json()
    missing = FIXED_PATHS - set(spec["paths"])
    assert not missing, f"paths missing from the OpenAPI: {sorted(missing)}"
    unsummarised = [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS and not (operation.get("summary") or "").strip()
    ]
    assert not unsummarised, f"operations without a summary: {unsummarised}"


def test_swagger_ui_is_served_with_local_assets(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "swagger" in page.lower()
    assert SPEC_PATH in page
    assets = set(re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page))
    assert assets, "the docs page references no assets"
    external = sorted(asset for asset in assets if re.match(r"^(https?:)?//", asset))
    assert not external, f"docs assets must be served locally: {external}"
    local = sorted(asset for asset in assets if asset.startswith("/api/docs/static/"))
    assert any(asset.endswith(".js") for asset in local), assets
    assert any(asset.endswith(".css") for asset in local), assets
    for asset in local:
        asset_response = client.get(asset)
        assert asset_response.status_code == 200, asset
        assert asset_response.get_data(), asset
