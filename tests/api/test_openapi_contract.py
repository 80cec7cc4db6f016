"""The published OpenAPI is a contract: schemathesis fuzzes every operation against it.

Every operation runs as three callers (anonymous, a teacher, an enrolled candidate) with data in
place, and every answer must be free of 5xx, have a documented status and content type, and match
the response schema documented for its status (the one error format included).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.app import create_app
from tests.conftest import make_settings
from tests.factories import SAMPLE_BANK, SAMPLE_RULE
from tests.fakes.wechat import APPID, SECRET, FakeWeChat, FakeWeChatServer

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

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

ROLES = ["anonymous", "teacher", "candidate"]


# --- the fuzzing -----------------------------------------------------------------------------


def _load_schema():
    """The OpenAPI as the app publishes it, loaded at collection time so each operation is a test.

    (Not `schemathesis.pytest.from_fixture`: with pytest 9.2 it fails on `Function._nodeid`.)
    Building the document needs no database or Redis, so this app points at unused addresses;
    every request is sent to the test's own `app` (see `case.call_and_validate(app=...)`).
    """
    spec_app = create_app(
        make_settings(("postgresql+psycopg://unused@127.0.0.1:9/unused", "redis://127.0.0.1:9/0"))
    )
    config = schemathesis.Config.from_dict({"seed": 20240601})
    return schemathesis.openapi.from_wsgi(SPEC_PATH, spec_app, config=config)


schema = _load_schema()


@pytest.fixture(scope="module")
def fake_wechat():
    with FakeWeChatServer(FakeWeChat(pages={"pages/scan/entry/index"})) as server:
        yield server


@pytest.fixture(scope="module")
def app(service_urls, fake_wechat):
    """The app with WeChat configured (faked on loopback): the mini-program login is fuzzed
    against WeChat's answers (a made-up code is WECHAT_CODE_INVALID), not a missing config."""
    return create_app(
        make_settings(
            service_urls,
            WECHAT_APPID=APPID,
            WECHAT_SECRET=SECRET,
            WECHAT_API_BASE=fake_wechat.base_url,
            # an event stream fuzzed without ?after= ends at once
            EVENT_KEEPALIVE_SECONDS=0.1,
            EVENT_STREAM_MAX_SECONDS=0.2,
        )
    )


@pytest.fixture(params=ROLES)
def caller_headers(request, factory) -> dict:
    """Data for every caller, then the headers of the caller this test plays.

    Tables are emptied before each test; this fixture runs after that, so every generated case
    finds (ids start at 1) a school, a teacher, an enrolled candidate, an open exam with a question
    bank, a paper rule and the candidate's attempt, and an exam that starts tomorrow.
    """
    school = factory.school()
    teacher = factory.teacher(school)
    student = factory.student(school)
    exam = factory.exam(school, students=[student])
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)
    factory.exam(school, starts_in=timedelta(days=1))
    candidate = factory.login_student(student)
    started = factory.client.post(f"/api/v1/exams/{exam.id}/attempts", headers=candidate.headers)
    assert started.status_code == 200, started.get_json()
    if request.param == "teacher":
        return factory.login_teacher(teacher).headers
    if request.param == "candidate":
        return candidate.headers
    return {}


@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_honours_its_contract(case, app, caller_headers):
    # The caller's Authorization wins over a generated one; the anonymous run covers the
    # missing and malformed tokens.
    case.call_and_validate(app=app, headers=caller_headers, checks=CHECKS)


# --- Regression tests for 500s the fuzzing found (now 404/422/empty pages) ---


@pytest.fixture
def teacher_headers(factory) -> dict:
    school = factory.school()
    return factory.login_teacher(factory.teacher(school)).headers


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/students/2147483648",
        "/api/v1/exams/2147483648",
        "/api/v1/exams/2147483648/enrolments",
        "/api/v1/courses/2147483648/questions",
        "/api/v1/attempts/2147483648/result",
    ],
)
def test_huge_path_id_is_not_found(client, teacher_headers, path):
    assert client.get(path, headers=teacher_headers).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/batches",
        "/api/v1/courses",
        "/api/v1/exams",
        "/api/v1/students",
        "/api/v1/integrity-events",
    ],
)
def test_huge_page_is_an_empty_page(client, teacher_headers, path):
    response = client.get(
        path, query_string={"page": 2**63, "page_size": 100}, headers=teacher_headers
    )
    assert response.status_code == 200 and response.get_json() == []


def test_question_import_with_nul_is_a_row_error(client, factory, teacher_headers):
    # Not reachable by the fuzzing (the file's content is opaque to the OpenAPI); found
    # alongside it.
    course = client.post(
        "/api/v1/courses", json={"code": "C1", "name": "高等数学"}, headers=teacher_headers
    )
    upload = (io.BytesIO(b'[{"type": "essay", "stem": "a\\u0000b", "score": 1}]'), "questions.json")
    response = client.post(
        f"/api/v1/courses/{course.get_json()['id']}/questions/import",
        data={"file": upload},
        content_type="multipart/form-data",
        headers=teacher_headers,
    )
    assert response.status_code == 200
    assert [(e["line"], e["field"]) for e in response.get_json()["errors"]] == [(1, "stem")]


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
