"""Proctoring (FAQ 3, 18): snapshots raise flags, flagged results wait for a teacher's review."""

from __future__ import annotations

import io

import pytest

from server.adapters import faces
from tests import face_photos
from tests.factories import RIGHT_ANSWERS, SAMPLE_BANK, SAMPLE_RULE

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


@pytest.fixture(scope="module")
def engine():
    return faces.warm_up()


@pytest.fixture
def sitting(client, factory, run_media_jobs):
    """A candidate with Yao Ming's base photo, in an open attempt; the school's teacher."""
    school = factory.school()
    teacher = factory.login_teacher(factory.teacher(school))
    student = factory.student(school)
    exam = factory.exam(school, students=[student])
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)
    client.put(
        f"/api/v1/students/{student.id}/base-photo",
        headers=teacher.headers,
        data={"file": (io.BytesIO(face_photos.YAOMING.read_bytes()), "b.jpg")},
        content_type="multipart/form-data",
    )
    run_media_jobs()
    candidate = factory.login_student(student)
    attempt_id = client.post(
        f"/api/v1/exams/{exam.id}/attempts", headers=candidate.headers
    ).get_json()["attempt_id"]
    return teacher, candidate, attempt_id


def snapshot(client, candidate, attempt_id, data):
    return client.post(
        f"/api/v1/attempts/{attempt_id}/snapshots",
        headers=candidate.headers,
        data={"file": (io.BytesIO(data), "frame.jpg")},
        content_type="multipart/form-data",
    )


def answer_everything(client, candidate, attempt_id):
    for n in range(1, 6):
        question = client.get(
            f"/api/v1/attempts/{attempt_id}/questions/{n}", headers=candidate.headers
        ).get_json()
        client.put(
            f"/api/v1/attempts/{attempt_id}/answers/{n}",
            headers=candidate.headers,
            json={"answer": RIGHT_ANSWERS[question["type"]], "client_seq": 1},
        )


def submit_and_grade(client, candidate, attempt_id, run_media_jobs) -> dict:
    assert (
        client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=candidate.headers).status_code
        == 200
    )
    run_media_jobs("high")
    return client.get(f"/api/v1/attempts/{attempt_id}/result", headers=candidate.headers).get_json()


def test_black_frame_flags_a_covered_camera_and_holds_the_score(client, sitting, run_media_jobs):
    teacher, candidate, attempt_id = sitting
    answer_everything(client, candidate, attempt_id)
    response = snapshot(client, candidate, attempt_id, face_photos.black_frame())
    assert response.status_code == 202 and response.get_json()["status"] == "queued"
    run_media_jobs()
    result = submit_and_grade(client, candidate, attempt_id, run_media_jobs)
    assert result["status"] == "pending_review" and result["objective_score"] is None  # withheld
    assert "监考待审" in result["message"]

    reviews = client.get("/api/v1/reviews?status=pending", headers=teacher.headers).get_json()
    assert [r["attempt_id"] for r in reviews] == [attempt_id]
    flag = reviews[0]["flags"][0]
    assert flag["kind"] == "camera_blocked" and flag["label"] == "摄像头被遮挡或黑屏"
    evidence = client.get(flag["evidence_url"])
    assert evidence.status_code == 200 and evidence.mimetype == "image/jpeg"
    # Staff see the score while they review it.
    assert (
        client.get(f"/api/v1/attempts/{attempt_id}/result", headers=teacher.headers).get_json()[
            "objective_score"
        ]
        == 20
    )

    decided = client.post(
        f"/api/v1/attempts/{attempt_id}/review",
        headers=teacher.headers,
        json={"decision": "approve", "note": "镜头被手臂短暂遮挡，已核实"},
    )
    assert decided.status_code == 200 and decided.get_json()["result_status"] == "published"
    result = client.get(
        f"/api/v1/attempts/{attempt_id}/result", headers=candidate.headers
    ).get_json()
    assert (result["status"], result["objective_score"]) == ("published", 20)
    assert client.get("/api/v1/reviews?status=pending", headers=teacher.headers).get_json() == []
    again = client.post(
        f"/api/v1/attempts/{attempt_id}/review",
        headers=teacher.headers,
        json={"decision": "reject"},
    )
    assert again.status_code == 409 and again.get_json()["code"] == "REVIEW_NOT_PENDING"


@pytest.mark.parametrize(
    "frame, kind",
    [
        (lambda engine: face_photos.T1.read_bytes(), "another_person"),
        (lambda engine: face_photos.other_person_capture(engine), "not_candidate"),
        (lambda engine: face_photos.darkened(face_photos.YAOMING, 0.25), "low_light"),
    ],
    ids=["group", "someone-else", "dim-room"],
)
def test_frames_raise_the_right_flag(client, sitting, engine, run_media_jobs, app, frame, kind):
    teacher, candidate, attempt_id = sitting
    snapshot(client, candidate, attempt_id, frame(engine))
    run_media_jobs()
    result = submit_and_grade(client, candidate, attempt_id, run_media_jobs)
    assert result["status"] == "pending_review"
    reviews = client.get("/api/v1/reviews", headers=teacher.headers).get_json()
    assert [flag["kind"] for flag in reviews[0]["flags"]] == [kind]
    rejected = client.post(
        f"/api/v1/attempts/{attempt_id}/review",
        headers=teacher.headers,
        json={"decision": "reject", "note": "他人代考"},
    )
    assert rejected.get_json()["result_status"] == "rejected"
    result = client.get(
        f"/api/v1/attempts/{attempt_id}/result", headers=candidate.headers
    ).get_json()
    assert result["status"] == "rejected" and result["objective_score"] is None


def test_the_flag_is_pushed_to_the_desktop(client, sitting, run_media_jobs, app):
    _teacher, candidate, attempt_id = sitting
    snapshot(client, candidate, attempt_id, face_photos.black_frame())
    run_media_jobs()
    from server.adapters.events import EventLog
    from server.app_services import EXTENSION_KEY

    events = EventLog(app.extensions[EXTENSION_KEY].redis).read_after(attempt_id)
    assert [(event.type, event.data["kind"]) for event in events] == [
        ("flag_raised", "camera_blocked")
    ]


def test_a_clean_frame_is_not_kept_and_the_score_is_published(
    client, sitting, engine, run_media_jobs, storage_keys
):
    _teacher, candidate, attempt_id = sitting
    answer_everything(client, candidate, attempt_id)
    before = storage_keys()
    snapshot(client, candidate, attempt_id, face_photos.yao_capture(engine))
    # Submitted while the frame is still waiting: the result waits for its analysis.
    result = submit_and_grade(client, candidate, attempt_id, run_media_jobs)
    assert result["status"] == "grading"
    run_media_jobs()
    result = client.get(
        f"/api/v1/attempts/{attempt_id}/result", headers=candidate.headers
    ).get_json()
    assert (result["status"], result["objective_score"]) == ("published", 20)
    assert storage_keys() == before  # neither the original nor the analysed copy is kept


def test_snapshots_need_the_open_attempt_on_this_computer(client, factory, sitting, run_media_jobs):
    _teacher, candidate, attempt_id = sitting
    unsupported = snapshot(client, candidate, attempt_id, b"GIF89a not supported")
    assert unsupported.status_code == 415 and unsupported.get_json()["code"] == "UNSUPPORTED_IMAGE"
    other_computer = factory.login_student(candidate.user)
    exam_id = client.get(
        f"/api/v1/attempts/{attempt_id}/result", headers=candidate.headers
    ).get_json()["exam_id"]
    client.post(f"/api/v1/exams/{exam_id}/attempts", headers=other_computer.headers)
    moved = snapshot(client, candidate, attempt_id, face_photos.black_frame())
    assert moved.status_code == 409 and moved.get_json()["code"] == "ATTEMPT_MOVED"
    client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=other_computer.headers)
    late = snapshot(client, other_computer, attempt_id, face_photos.black_frame())
    assert late.status_code == 409 and late.get_json()["code"] == "ATTEMPT_SUBMITTED"
    stranger = factory.login_student(factory.student(factory.school()))
    assert snapshot(client, stranger, attempt_id, face_photos.black_frame()).status_code == 404


def test_client_reports_flag_remote_control_but_not_focus_changes(client, sitting, run_media_jobs):
    teacher, candidate, attempt_id = sitting
    focus = client.post(
        f"/api/v1/attempts/{attempt_id}/integrity-events",
        headers=candidate.headers,
        json={"code": "focus_lost"},
    )
    assert focus.status_code == 201 and focus.get_json()["flag"] is None
    remote = client.post(
        f"/api/v1/attempts/{attempt_id}/integrity-events",
        headers=candidate.headers,
        json={"code": "e-01", "detail": {"tool": "向日葵"}},
    )
    assert remote.get_json()["flag"]["kind"] == "remote_control"
    unknown = client.post(
        f"/api/v1/attempts/{attempt_id}/integrity-events",
        headers=candidate.headers,
        json={"code": "rm -rf"},
    )
    assert unknown.status_code == 422
    listed = client.get("/api/v1/integrity-events", headers=teacher.headers).get_json()
    assert {event["code"] for event in listed} == {"focus_lost", "e-01"}
    result = submit_and_grade(client, candidate, attempt_id, run_media_jobs)
    assert result["status"] == "pending_review"


def test_reviews_are_school_scoped(client, factory, sitting, run_media_jobs):
    _teacher, candidate, attempt_id = sitting
    snapshot(client, candidate, attempt_id, face_photos.black_frame())
    run_media_jobs()
    submit_and_grade(client, candidate, attempt_id, run_media_jobs)
    stranger = factory.login_teacher(factory.teacher(factory.school()))
    assert client.get("/api/v1/reviews", headers=stranger.headers).get_json() == []
    response = client.post(
        f"/api/v1/attempts/{attempt_id}/review",
        headers=stranger.headers,
        json={"decision": "approve"},
    )
    assert response.status_code == 404
    assert (
        client.post(
            f"/api/v1/attempts/{attempt_id}/review",
            headers=candidate.headers,
            json={"decision": "approve"},
        ).status_code
        == 403
    )


def test_live_view_shows_who_is_online_and_flagged(client, factory, sitting, run_media_jobs):
    teacher, candidate, attempt_id = sitting
    exam_id = client.get(
        f"/api/v1/attempts/{attempt_id}/result", headers=candidate.headers
    ).get_json()["exam_id"]
    from server.domain import catalogue
    from server.domain.actors import Actor
    from server.domain.identity import School

    with factory.app.app_context():
        absent = factory.student(factory.session.get(School, candidate.user.school_id))
        catalogue.enrol(factory.session, Actor(0, "admin", None), exam_id, [absent.id])
    rows = client.get(f"/api/v1/exams/{exam_id}/live", headers=teacher.headers).get_json()
    assert sorted(
        (r["attempt_id"] or 0, r["status"], r["online"], r["flags"], r["second_camera"])
        for r in rows
    ) == [(0, "not_started", False, [], None), (attempt_id, "in_progress", True, [], None)]
    snapshot(client, candidate, attempt_id, face_photos.black_frame())
    run_media_jobs()
    rows = client.get(f"/api/v1/exams/{exam_id}/live", headers=teacher.headers).get_json()
    started = next(r for r in rows if r["attempt_id"] == attempt_id)
    assert [flag["kind"] for flag in started["flags"]] == ["camera_blocked"]
    stranger = factory.login_teacher(factory.teacher(factory.school()))
    assert client.get(f"/api/v1/exams/{exam_id}/live", headers=stranger.headers).status_code == 404


def test_grading_that_commits_while_a_frame_is_analysed_still_settles_the_result(
    client, sitting, engine, app, settings
):
    # The grade job and the snapshot job run at once on two workers: the analysis has read the
    # attempt (not graded yet) when grading commits, having seen the snapshot still queued.
    # Whichever settles last must see the other's work, or the result stays "grading" for good.
    from sqlalchemy import select

    from server.app_services import EXTENSION_KEY
    from server.domain import exams, proctoring
    from server.domain.database import make_session_factory
    from server.domain.exams import Attempt
    from server.domain.faces import FacePolicy
    from server.domain.proctoring import Snapshot

    _teacher, candidate, attempt_id = sitting
    answer_everything(client, candidate, attempt_id)
    assert snapshot(client, candidate, attempt_id, face_photos.black_frame()).status_code == 202
    assert (
        client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=candidate.headers).status_code
        == 200
    )
    services = app.extensions[EXTENSION_KEY]
    sessions = make_session_factory(services.engine)

    class GradedMeanwhile:
        def analyse(self, image):
            with sessions() as other:
                assert exams.grade_attempt(other, attempt_id, proctoring.settle_result)
                assert other.get(Attempt, attempt_id).result_status == "grading"
            return engine.analyse(image)

    with sessions() as session:
        snapshot_id = session.scalar(select(Snapshot.id).where(Snapshot.attempt_id == attempt_id))
        proctoring.analyse_snapshot(
            session,
            snapshot_id,
            services.storage,
            GradedMeanwhile(),
            FacePolicy(threshold=settings.FACE_MATCH_THRESHOLD, long_edge=settings.PHOTO_LONG_EDGE),
        )
    result = client.get(
        f"/api/v1/attempts/{attempt_id}/result", headers=candidate.headers
    ).get_json()
    assert result["status"] == "pending_review"  # the black frame's flag holds the score
