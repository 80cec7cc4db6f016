"""The served OpenAPI lists exactly the pinned operations (method, path, operationId), and every
operation that needs a token says so: bearer security and its 401 and 403 answers.

openapi_operations.json was written from the endpoints before the API's blueprints declared
their roles; a new or renamed operation is a change to the public API and updates that file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from server.app import create_app
from server.app_services import services
from server.domain.actors import Actor, Role
from tests.conftest import make_settings

SPEC_PATH = "/api/v1/openapi.json"
PINNED = json.loads((Path(__file__).parent / "openapi_operations.json").read_text())
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# Called without a token (logins, the clock, versions, signed downloads, a scanned scene);
# everything else requires one.
PUBLIC = {
    "login",
    "wechat_login",
    "pair_web_phone",
    "get_time",
    "get_client_versions",
    "download",
}


@pytest.fixture(scope="module")
def spec_app():
    """Building the document, and refusing a caller, touch neither the database nor Redis."""
    return create_app(
        make_settings(("postgresql+psycopg://unused@127.0.0.1:9/unused", "redis://127.0.0.1:9/0"))
    )


@pytest.fixture(scope="module")
def operations(spec_app) -> dict[str, dict]:
    """ "METHOD path" -> the operation, as served."""
    response = spec_app.test_client().get(SPEC_PATH)
    assert response.status_code == 200
    return {
        f"{method.upper()} {path}": operation
        for path, item in response.get_json()["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def test_the_served_operations_and_their_ids_are_the_pinned_ones(operations):
    served = {name: operation.get("operationId") for name, operation in operations.items()}
    assert served == PINNED


def test_the_mini_program_login_is_an_accounts_operation(operations):
    assert operations["POST /api/v1/auth/wechat"]["tags"] == ["accounts"]


def test_operation_ids_are_unique(operations):
    ids = [operation.get("operationId") for operation in operations.values()]
    assert len(set(ids)) == len(ids)


def test_every_operation_that_needs_a_token_documents_it(operations):
    for name, operation in operations.items():
        if operation["operationId"] in PUBLIC:
            assert operation["security"] == [], name
            continue
        assert operation["security"] == [{"bearerAuth": []}], name
        for status in ("401", "403"):
            assert operation["responses"][status] == {
                "$ref": f"#/components/responses/{_phrase(status)}"
            }, name


def _phrase(status: str) -> str:
    return {"401": "UNAUTHORIZED", "403": "FORBIDDEN"}[status]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_operation_that_needs_a_token_refuses_a_caller_without_one(spec_app, operations):
    client = spec_app.test_client()
    for name, operation in operations.items():
        if operation["operationId"] in PUBLIC:
            continue
        method, path = name.split(" ", 1)
        response = client.open(_url(path), method=method)
        assert response.status_code == 401, name
        assert response.get_json()["code"] == "TOKEN_MISSING", name


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        (Role.PHONE, "GET", "/api/v1/me/exams"),  # the catalogue blueprint's route for candidates
        (Role.CANDIDATE, "GET", "/api/v1/batches"),  # the catalogue blueprint's roles: staff
        (Role.TEACHER, "POST", "/api/v1/schools"),  # one method of a MethodView: admins
        (
            Role.CANDIDATE,
            "GET",
            "/api/v1/exams/1/attempts",
        ),  # one route of the attempts blueprint: staff
        (Role.PHONE, "GET", "/api/v1/attempts/1/events"),
    ],
)
def test_a_caller_of_another_role_is_forbidden(spec_app, role, method, path):
    with spec_app.app_context():
        token = services().tokens.issue(Actor(user_id=1, role=role, school_id=1))
    response = spec_app.test_client().open(
        path, method=method, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"
