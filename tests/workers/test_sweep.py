"""The sweep's five steps, each alone, against real PostgreSQL and Redis: what each leaves in the
database and on the queues, and that running it again changes nothing more."""

from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import delete, func, select

from server.adapters.queue import JobQueue
from server.app_services import EXTENSION_KEY
from server.domain import jobs
from server.domain.clock import utcnow
from server.domain.companion import Pairing, PairingPurpose
from server.domain.database import make_session_factory
from server.domain.exams import Attempt
from server.domain.proctoring import FlagKind, ProctorFlag, Snapshot
from tests.conftest import _event_log
from tests.factories import SAMPLE_BANK, SAMPLE_RULE
from tests.photos import camera_jpeg
from workers import context
from workers.jobs import attempts


@pytest.fixture
def redis(settings) -> Redis:
    return Redis.from_url(settings.REDIS_URL)


@pytest.fixture
def sessions(app):
    return make_session_factory(app.extensions[EXTENSION_KEY].engine)


@pytest.fixture(autouse=True)
def worker_context(settings, sessions, redis, monkeypatch):
    """The jobs' process context, on the test's database and Redis."""
    monkeypatch.setattr(context, "settings", lambda: settings)
    monkeypatch.setattr(context, "session", lambda: sessions())
    monkeypatch.setattr(context, "job_queue", lambda: JobQueue(redis))
    monkeypatch.setattr(context, "event_publisher", lambda: _event_log(redis))


@pytest.fixture
def sitting(client, factory):
    """A candidate in an open attempt: (candidate, attempt id)."""
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student])
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)
    candidate = factory.login_student(student)
    started = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=candidate.headers)
    assert started.status_code == 200, started.get_json()
    return candidate, started.get_json()["attempt_id"]


def queued(redis: Redis, job_id: str) -> Job:
    """The job, which must be waiting on its queue."""
    job = Job.fetch(job_id, connection=redis, serializer=JSONSerializer)
    assert job.id in JobQueue(redis).queue(job.origin).job_ids
    return job


def test_a_due_attempt_is_submitted_and_graded_once(sessions, redis, sitting):
    _candidate, attempt_id = sitting
    with sessions() as session:
        session.get(Attempt, attempt_id).deadline = utcnow() - timedelta(seconds=1)
        session.commit()
    redis.flushdb()  # its scheduled check is lost
    assert attempts.submit_due_attempts() == [attempt_id]
    with sessions() as session:
        attempt = session.get(Attempt, attempt_id)
        assert (attempt.status, attempt.submit_reason) == ("submitted", "deadline")
    grading = queued(redis, f"grade-{attempt_id}")
    assert (grading.func_name, grading.origin, grading.args) == (
        jobs.GRADE_ATTEMPT.function,
        "high",
        [attempt_id],
    )
    assert attempts.submit_due_attempts() == []


def test_an_attempt_still_open_is_left_alone(sitting):
    assert attempts.submit_due_attempts() == []


def test_grading_stuck_since_redis_lost_its_job_is_queued_again(
    client, sessions, redis, settings, sitting
):
    candidate, attempt_id = sitting
    assert (
        client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=candidate.headers).status_code
        == 200
    )
    redis.flushdb()  # the grading job is lost
    assert attempts.regrade_stuck_attempts() == []  # not stuck yet: its job may still be running
    with sessions() as session:
        session.get(Attempt, attempt_id).submitted_at -= timedelta(
            seconds=settings.GRADING_RETRY_AFTER_SECONDS + 1
        )
        session.commit()
    assert attempts.regrade_stuck_attempts() == [attempt_id]
    grading = queued(redis, f"grade-{attempt_id}")
    assert (grading.func_name, grading.origin, grading.args) == (
        jobs.GRADE_ATTEMPT.function,
        "high",
        [attempt_id],
    )


def test_a_snapshot_whose_job_redis_lost_gets_it_again_under_its_id(
    client, sessions, redis, settings, sitting
):
    candidate, attempt_id = sitting
    sent = client.post(
        f"/api/v1/attempts/{attempt_id}/snapshots",
        headers=candidate.headers,
        data={"file": (io.BytesIO(camera_jpeg(640, 480)), "frame.jpg")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 202, sent.get_json()
    snapshot_id = sent.get_json()["id"]
    redis.flushdb()
    assert attempts.requeue_lost_media_jobs() == []  # too recent: its job may still be queued
    with sessions() as session:
        session.get(Snapshot, snapshot_id).created_at -= timedelta(
            seconds=settings.GRADING_RETRY_AFTER_SECONDS + 1
        )
        session.commit()
    assert attempts.requeue_lost_media_jobs() == [f"snapshot-{snapshot_id}"]
    analysis = queued(redis, f"snapshot-{snapshot_id}")
    assert (analysis.func_name, analysis.origin, analysis.args) == (
        jobs.ANALYSE_SNAPSHOT.function,
        jobs.MEDIA_QUEUE,
        [snapshot_id],
    )


def test_a_silent_second_camera_is_flagged_once(sessions, redis, settings, sitting):
    _candidate, attempt_id = sitting
    silent_since = utcnow() - timedelta(seconds=settings.SECOND_CAMERA_GRACE_SECONDS + 1)
    with sessions() as session:
        attempt = session.get(Attempt, attempt_id)
        pairing = Pairing(
            scene="S" * 32,
            school_id=attempt.school_id,
            attempt_id=attempt_id,
            exam_id=attempt.exam_id,
            student_id=attempt.student_id,
            position=1,
            purpose=PairingPurpose.SECOND_CAMERA,
            expires_at=silent_since,
            redeemed_at=silent_since,
            last_snapshot_at=silent_since,
        )
        session.add(pairing)
        session.commit()
        pairing_id = pairing.id
    assert attempts.flag_lost_second_cameras() == [pairing_id]
    assert attempts.flag_lost_second_cameras() == []
    with sessions() as session:
        assert session.get(Pairing, pairing_id).lost_at is not None
        flags = session.scalar(
            select(func.count())
            .select_from(ProctorFlag)
            .where(
                ProctorFlag.attempt_id == attempt_id,
                ProctorFlag.kind == FlagKind.SECOND_CAMERA_LOST,
            )
        )
        assert flags == 1
    published = [event.type for event in _event_log(redis).read_after(attempt_id, "0")]
    assert published == ["second_camera_lost", "flag_raised"]


def send_snapshot(client, candidate, attempt_id) -> int:
    sent = client.post(
        f"/api/v1/attempts/{attempt_id}/snapshots",
        headers=candidate.headers,
        data={"file": (io.BytesIO(camera_jpeg(640, 480)), "frame.jpg")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 202, sent.get_json()
    return sent.get_json()["id"]


def test_a_silent_desktop_webcam_is_flagged_once_per_silence(
    client, factory, sessions, redis, settings, sitting
):
    candidate, attempt_id = sitting
    grace = timedelta(seconds=settings.DESKTOP_SNAPSHOT_GRACE_SECONDS + 1)
    with sessions() as session:
        attempt = session.get(Attempt, attempt_id)
        attempt.exam.face_check_required = True  # a proctored exam
        attempt.started_at -= grace
        school_id, exam_id = attempt.school_id, attempt.exam_id
        session.commit()
    first = send_snapshot(client, candidate, attempt_id)
    assert attempts.flag_silent_webcams() == []  # a frame just arrived
    with sessions() as session:
        session.get(Snapshot, first).created_at -= grace
        session.commit()
    assert attempts.flag_silent_webcams() == [attempt_id]
    assert attempts.flag_silent_webcams() == []  # once per silence
    # The webcam comes back, then goes quiet again: a second silence, a second flag.
    with sessions() as session:  # (the first flag was raised a grace period ago)
        for flag in session.scalars(select(ProctorFlag)):
            flag.created_at -= grace
        session.commit()
    second = send_snapshot(client, candidate, attempt_id)
    assert attempts.flag_silent_webcams() == []
    with sessions() as session:
        session.get(Snapshot, second).created_at -= grace
        session.commit()
    assert attempts.flag_silent_webcams() == [attempt_id]

    published = list(_event_log(redis).read_after(attempt_id, "0"))
    assert [event.type for event in published] == ["flag_raised", "flag_raised"]
    assert published[0].data["label"] == "监考摄像头长时间未上传画面"
    teacher = factory.login_teacher(factory.teacher(SimpleNamespace(id=school_id)))
    live = client.get(f"/api/v1/exams/{exam_id}/live", headers=teacher.headers).get_json()
    [row] = [row for row in live if row["attempt_id"] == attempt_id]
    assert [flag["kind"] for flag in row["flags"]] == ["webcam_silent", "webcam_silent"]
    assert row["flags"][0]["detail"]["last_snapshot_at"] is not None


def test_a_webcam_is_not_watched_without_the_face_check_or_after_the_exam(sessions, sitting):
    _candidate, attempt_id = sitting
    with sessions() as session:
        session.get(Attempt, attempt_id).started_at -= timedelta(hours=1)  # never a frame
        session.commit()
    assert attempts.flag_silent_webcams() == []  # the exam has no face check: not proctored
    with sessions() as session:
        attempt = session.get(Attempt, attempt_id)
        attempt.exam.face_check_required = True
        attempt.deadline = utcnow() - timedelta(seconds=1)
        session.commit()
    assert attempts.flag_silent_webcams() == []  # past its deadline: auto-submit's business
    with sessions() as session:
        session.get(Attempt, attempt_id).deadline = utcnow() + timedelta(hours=1)
        session.commit()
    assert attempts.flag_silent_webcams() == [attempt_id]  # no frame since the start
    with sessions() as session:
        session.get(Attempt, attempt_id).status = "submitted"
        session.execute(delete(ProctorFlag))
        session.commit()
    assert attempts.flag_silent_webcams() == []  # handed in: nothing more to watch


def test_the_sweep_runs_the_five_steps_and_reports_them(sessions, sitting):
    _candidate, attempt_id = sitting
    with sessions() as session:
        session.get(Attempt, attempt_id).last_seen_at -= timedelta(hours=1)
        session.commit()
    assert attempts.sweep_attempts() == {
        "auto_submitted": [attempt_id],
        "regraded": [],
        "media_requeued": [],
        "second_cameras_lost": [],
        "webcams_silent": [],
    }
