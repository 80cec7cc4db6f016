"""Issue 14's guards through real gunicorn (two gevent workers), PostgreSQL and Redis, as an
attacker meets them: a phone token that tries to be an account, an accomplice on another
computer, a decompression bomb, a flood of face checks, a stranger's attempt, an ended pairing.
Logins and logout over gunicorn: tests/e2e/test_login_security.py."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from infra.services import API_COMMAND, free_port, stop_process, wait_for_port
from server.app_services import EXTENSION_KEY
from server.domain.clock import utcnow
from server.domain.faces import FaceCheck, FaceCheckStatus
from server.domain.identity import default_password
from tests.conftest import make_settings, service_env
from tests.factories import CLEAN_ENV_CHECK, SAMPLE_BANK
from tests.fakes.wechat import APPID, SECRET, FakeWeChat, FakeWeChatServer
from tests.photos import plain_jpeg, png_bomb

pytestmark = pytest.mark.slow
RULE = [{"type": "essay", "count": 1, "score": 20}]
FACE_CHECKS_ALLOWED = 2


@dataclass
class Server:
    base: str
    app: object

    def login(self, student) -> requests.Session:
        http = requests.Session()
        answer = http.post(
            f"{self.base}/auth/login",
            json={
                "username": student.student_no,
                "password": default_password(student.id_number),
                "env_check": CLEAN_ENV_CHECK,
            },
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        return http

    def phone(self, code: str) -> requests.Session:
        http = requests.Session()
        answer = http.post(f"{self.base}/auth/wechat", json={"code": code}, timeout=10)
        assert answer.status_code == 200, answer.text
        http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        return http

    def session_id(self, http: requests.Session) -> str:
        token = http.headers["Authorization"].removeprefix("Bearer ")
        services = self.app.extensions[EXTENSION_KEY]  # type: ignore[attr-defined]
        return services.tokens.read(token).actor.session_id


@pytest.fixture
def server(service_urls, app) -> Iterator[Server]:
    with FakeWeChatServer(FakeWeChat(pages={"pages/scan/entry/index"})) as wechat:
        overrides = dict(
            WECHAT_APPID=APPID,
            WECHAT_SECRET=SECRET,
            WECHAT_API_BASE=wechat.base_url,
            FACE_CHECK_LIMIT=f"{FACE_CHECKS_ALLOWED} per 10 minutes",
        )
        env = service_env(make_settings(service_urls, **overrides), **overrides)
        port = free_port()
        root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
        api = subprocess.Popen(
            list(API_COMMAND), cwd=root, env={**env, "PORT": str(port), "WEB_CONCURRENCY": "2"}
        )
        try:
            wait_for_port(port, timeout=60, process=api)
            yield Server(base=f"http://127.0.0.1:{port}/api/v1", app=app)
        finally:
            stop_process(api)


def sitting(factory, **exam_options):
    school = factory.school()
    students = [factory.student(school) for _ in range(2)]
    exam = factory.exam(school, students=students, **exam_options)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, RULE)
    return exam, students


def test_a_phone_token_is_not_an_account(server, factory):
    """Item 1: the phone session's id equals an account's id, and opens nothing of it."""
    phone = server.phone("ok-openid-1")
    me = phone.get(f"{server.base}/me", timeout=10)
    assert me.status_code in (401, 403) and "username" not in me.text
    change = phone.post(
        f"{server.base}/me/password",
        json={"old_password": "guess-1234", "new_password": "whatever-5678"},
        timeout=10,
    )
    assert change.status_code in (401, 403)
    assert change.json()["code"] != "WRONG_OLD_PASSWORD"
    assert phone.get(f"{server.base}/me/exams", timeout=10).status_code in (401, 403)


def test_a_face_check_admits_only_the_login_that_passed_it(server, factory):
    """Item 4: an accomplice's login cannot ride on the candidate's passed check."""
    exam, (student, _other) = sitting(factory, face_check_required=True)
    candidate, accomplice = server.login(student), server.login(student)
    with server.app.app_context():  # type: ignore[attr-defined]
        factory.session.add(
            FaceCheck(
                school_id=exam.school_id,
                exam_id=exam.id,
                student_id=student.id,
                session_id=server.session_id(candidate),
                status=FaceCheckStatus.PASSED,
                completed_at=utcnow(),
            )
        )
        factory.session.commit()
    refused = accomplice.post(f"{server.base}/exams/{exam.id}/attempts", timeout=10)
    assert refused.status_code == 403 and refused.json()["code"] == "FACE_CHECK_REQUIRED"
    started = candidate.post(f"{server.base}/exams/{exam.id}/attempts", timeout=10)
    assert started.status_code == 200, started.text
    takeover = accomplice.post(f"{server.base}/exams/{exam.id}/attempts", timeout=10)
    assert takeover.status_code == 403 and takeover.json()["code"] == "FACE_CHECK_REQUIRED"


def test_a_decompression_bomb_is_refused_from_its_header(server, factory):
    """Item 5: 350 KB that would decode to 360 MB is 413 at once, on the desktop and the phone."""
    exam, (student, _other) = sitting(factory)
    desktop = server.login(student)
    attempt_id = desktop.post(f"{server.base}/exams/{exam.id}/attempts", timeout=10).json()[
        "attempt_id"
    ]
    bomb = png_bomb(10954)
    began = time.perf_counter()
    snapshot = desktop.post(
        f"{server.base}/attempts/{attempt_id}/snapshots",
        files={"file": ("frame.png", bomb, "image/png")},
        timeout=10,
    )
    assert snapshot.status_code == 413 and snapshot.json()["code"] == "IMAGE_TOO_LARGE"
    assert time.perf_counter() - began < 1.0
    code = desktop.post(
        f"{server.base}/attempts/{attempt_id}/questions/1/qrcode",
        json={"purpose": "answer_photo"},
        timeout=10,
    ).json()
    phone = server.phone("ok-openid-2")
    pairing = phone.post(f"{server.base}/pairings", json={"scene": code["scene"]}, timeout=10)
    began = time.perf_counter()
    upload = phone.post(
        f"{server.base}/pairings/{pairing.json()['pairing_id']}/photos",
        files={"file": ("IMG_1.png", bomb, "image/png")},
        data={"upload_id": "bomb-1"},
        timeout=10,
    )
    assert upload.status_code == 413 and upload.json()["code"] == "IMAGE_TOO_LARGE"
    assert time.perf_counter() - began < 1.0
    photos = desktop.get(f"{server.base}/attempts/{attempt_id}/questions/1", timeout=10).json()
    assert photos["photos"] == []


def test_face_checks_are_limited_per_candidate(server, factory):
    """Item 6: past the limit a candidate's face checks are 429 with Retry-After; a classmate's
    are not affected."""
    exam, (student, classmate) = sitting(factory, face_check_required=True)
    capture = plain_jpeg(640, 480)

    def face_check(http: requests.Session) -> requests.Response:
        return http.post(
            f"{server.base}/exams/{exam.id}/face-checks",
            files={"file": ("capture.jpg", capture, "image/jpeg")},
            timeout=10,
        )

    desktop = server.login(student)
    answers = [face_check(desktop) for _ in range(FACE_CHECKS_ALLOWED + 1)]
    assert [answer.status_code for answer in answers[:-1]] == [202] * FACE_CHECKS_ALLOWED
    assert answers[-1].status_code == 429
    assert answers[-1].json()["code"] == "UPLOAD_RATE_LIMITED"
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert face_check(server.login(student)).status_code == 429  # another login, same person
    assert face_check(server.login(classmate)).status_code == 202


def test_a_strangers_attempt_and_an_ended_pairing_are_closed(server, factory):
    """Item 7: a malformed save into another candidate's attempt is 404 like any foreign id; an
    unpaired phone's uploads end at once."""
    exam, (student, stranger) = sitting(factory)
    desktop = server.login(student)
    attempt_id = desktop.post(f"{server.base}/exams/{exam.id}/attempts", timeout=10).json()[
        "attempt_id"
    ]
    foreign = server.login(stranger).put(
        f"{server.base}/attempts/{attempt_id}/answers/1", json={"answer": {}}, timeout=10
    )
    assert foreign.status_code == 404 and foreign.json()["code"] == "NOT_FOUND"

    code = desktop.post(
        f"{server.base}/attempts/{attempt_id}/questions/1/qrcode",
        json={"purpose": "second_camera"},
        timeout=10,
    ).json()
    phone = server.phone("ok-openid-3")
    pairing_id = phone.post(
        f"{server.base}/pairings", json={"scene": code["scene"]}, timeout=10
    ).json()["pairing_id"]
    frame = plain_jpeg(640, 480)
    url = f"{server.base}/pairings/{pairing_id}/snapshots"
    assert (
        phone.post(url, files={"file": ("f.jpg", frame, "image/jpeg")}, timeout=10).status_code
        == 202
    )
    assert desktop.delete(f"{server.base}/pairings/{pairing_id}", timeout=10).status_code == 204
    ended = phone.post(url, files={"file": ("f.jpg", frame, "image/jpeg")}, timeout=10)
    assert ended.status_code == 410 and ended.json()["code"] == "PAIRING_ENDED"
