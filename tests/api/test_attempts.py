"""Taking an exam through the HTTP API (FAQ 10, 14, 15, 16, 17), with real Redis and RQ workers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.app import create_app
from tests.conftest import make_settings, wait_until
from tests.factories import RIGHT_ANSWERS, SAMPLE_BANK, SAMPLE_RULE


@pytest.fixture
def exam_setup(factory):
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student])
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)
    return school, student, exam


def start(client, logged, exam):
    return client.post(f"/api/v1/exams/{exam.id}/attempts", headers=logged.headers)


def paper(client, logged, attempt):
    return [
        client.get(
            f"/api/v1/attempts/{attempt['attempt_id']}/questions/{n}", headers=logged.headers
        ).get_json()
        for n in range(1, attempt["question_count"] + 1)
    ]


def published_result(client, logged, attempt_id, timeout=30):
    """Wait for the grading job (a real RQ worker) to publish the result."""

    def result():
        body = client.get(
            f"/api/v1/attempts/{attempt_id}/result", headers=logged.headers
        ).get_json()
        return body if body["status"] == "published" else None

    return wait_until(result, timeout=timeout)


def save(client, logged, attempt_id, n, answer, seq):
    return client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{n}",
        headers=logged.headers,
        json={"answer": answer, "client_seq": seq},
    )


def test_starting_without_a_paper_rule_says_ask_the_teacher(client, factory):
    """FAQ 14: exactly 调取试卷失败，请与老师联系, and the console marks the exam."""
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student])
    response = start(client, factory.login_student(student), exam)
    assert response.status_code == 409
    body = response.get_json()
    assert (body["code"], body["message"], body["faq"]) == (
        "PAPER_RULE_MISSING",
        "调取试卷失败，请与老师联系",
        14,
    )
    teacher = factory.login_teacher(factory.teacher(school))
    listed = client.get("/api/v1/exams", headers=teacher.headers).get_json()
    assert [e["paper_rule_missing"] for e in listed] == [True]
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)
    assert [
        e["paper_rule_missing"]
        for e in client.get("/api/v1/exams", headers=teacher.headers).get_json()
    ] == [False]


def test_a_rule_the_bank_cannot_supply_is_refused_when_saved(client, factory):
    school = factory.school()
    exam = factory.exam(school)
    factory.questions(exam, SAMPLE_BANK)
    teacher = factory.login_teacher(factory.teacher(school))
    response = client.put(
        f"/api/v1/exams/{exam.id}/paper-rule",
        headers=teacher.headers,
        json={"sections": [{"type": "single", "count": 3, "score": 2}]},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "PAPER_RULE_INVALID"
    assert body["errors"]["sections"] == ["单选题需要3道，题库只有1道"]
    missing = client.get(f"/api/v1/exams/{exam.id}/paper-rule", headers=teacher.headers)
    assert missing.status_code == 409 and missing.get_json()["code"] == "PAPER_RULE_MISSING"


def test_the_paper_is_drawn_once_and_never_shows_the_key(client, factory, exam_setup):
    """FAQ 15: fetching question n again returns the same question, order and saved answer."""
    _, student, exam = exam_setup
    me = factory.login_student(student)
    attempt = start(client, me, exam).get_json()
    assert attempt["resumed"] is False and attempt["question_count"] == 5
    first = paper(client, me, attempt)
    assert [q["type"] for q in first] == ["single", "multiple", "judge", "fill", "essay"]
    assert paper(client, me, attempt) == first
    for question in first:
        assert "answer" not in question and "参考要点" not in str(question)
    assert first[3]["blanks"] == 2
    assert first[2]["options"] == [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]
    missing = client.get(
        f"/api/v1/attempts/{attempt['attempt_id']}/questions/6", headers=me.headers
    )
    assert missing.status_code == 404 and missing.get_json()["faq"] == 15


def test_later_seq_wins_and_older_or_repeated_saves_change_nothing(client, factory, exam_setup):
    _, student, exam = exam_setup
    me = factory.login_student(student)
    attempt = start(client, me, exam).get_json()
    attempt_id = attempt["attempt_id"]
    assert save(client, me, attempt_id, 1, "A", 1).get_json() == {"n": 1, "saved_seq": 1}
    assert save(client, me, attempt_id, 1, "B", 3).get_json() == {"n": 1, "saved_seq": 3}
    assert save(client, me, attempt_id, 1, "A", 2).get_json() == {
        "n": 1,
        "saved_seq": 3,
    }  # late arrival
    assert save(client, me, attempt_id, 1, "A", 3).status_code == 200  # duplicate: acknowledged
    question = client.get(
        f"/api/v1/attempts/{attempt_id}/questions/1", headers=me.headers
    ).get_json()
    assert (question["saved_answer"], question["saved_seq"]) == ("B", 3)


def test_answers_must_fit_the_question_type(client, factory, exam_setup):
    _, student, exam = exam_setup
    me = factory.login_student(student)
    attempt_id = start(client, me, exam).get_json()["attempt_id"]
    for n, bad in [(1, "Z"), (2, "A"), (3, "yes"), (4, ["a", "b", "c"]), (5, 42)]:
        response = save(client, me, attempt_id, n, bad, 1)
        assert response.status_code == 422, (n, bad)
        assert response.get_json()["code"] == "INVALID_ANSWER"
    assert save(client, me, attempt_id, 1, None, 2).status_code == 200  # clearing is allowed


def test_resume_on_another_computer_keeps_paper_and_answers(client, factory, exam_setup):
    """FAQ 10: power lost; a new login elsewhere resumes; the old computer can no longer save."""
    _, student, exam = exam_setup
    first_pc = factory.login_student(student)
    attempt = start(client, first_pc, exam).get_json()
    before = paper(client, first_pc, attempt)
    save(client, first_pc, attempt["attempt_id"], 1, "B", 1)

    second_pc = factory.login_student(student)
    resumed = start(client, second_pc, exam).get_json()
    assert resumed["resumed"] is True and resumed["attempt_id"] == attempt["attempt_id"]
    assert resumed["deadline"] == attempt["deadline"]
    after = paper(client, second_pc, resumed)
    assert [q["stem"] for q in after] == [q["stem"] for q in before]
    assert after[0]["saved_answer"] == "B"

    moved = save(client, first_pc, attempt["attempt_id"], 2, ["A"], 1)
    assert moved.status_code == 409 and moved.get_json()["code"] == "ATTEMPT_MOVED"
    assert "另一台电脑" in moved.get_json()["message"]
    assert save(client, second_pc, attempt["attempt_id"], 2, ["A"], 1).status_code == 200


def test_other_candidates_attempts_are_unreachable(client, factory, exam_setup):
    school, student, exam = exam_setup
    other = factory.student(school)
    me = factory.login_student(student)
    attempt_id = start(client, me, exam).get_json()["attempt_id"]
    intruder = factory.login_student(other)
    for method, path, body in [
        ("get", f"/api/v1/attempts/{attempt_id}/questions/1", None),
        ("put", f"/api/v1/attempts/{attempt_id}/answers/1", {"answer": "A", "client_seq": 9}),
        ("post", f"/api/v1/attempts/{attempt_id}/heartbeat", None),
        ("post", f"/api/v1/attempts/{attempt_id}/submit", None),
        ("get", f"/api/v1/attempts/{attempt_id}/result", None),
    ]:
        response = getattr(client, method)(path, headers=intruder.headers, json=body)
        assert response.status_code in (403, 404), path
    # The intruder is not enrolled: starting the exam says so (FAQ 11).
    assert start(client, intruder, exam).get_json()["code"] == "NOT_ENROLLED"
    other_school_teacher = factory.login_teacher(factory.teacher(factory.school()))
    assert (
        client.get(
            f"/api/v1/attempts/{attempt_id}/result", headers=other_school_teacher.headers
        ).status_code
        == 404
    )


@pytest.mark.parametrize("process", ["warm", "cold"])
def test_a_strangers_attempt_is_404_whatever_the_body(
    client, factory, exam_setup, monkeypatch, process
):
    """Ownership before validation: a malformed answer (or integrity event, or QR request) into
    another candidate's attempt answers exactly what an unknown attempt answers, never a 422
    that would say what its questions accept. `cold`: a process that never saw the attempt."""
    school, student, exam = exam_setup
    me = factory.login_student(student)
    attempt_id = start(client, me, exam).get_json()["attempt_id"]
    if process == "cold":
        from server.domain.exams import answering

        monkeypatch.setattr(answering, "_slot_cache", answering.ImmutableCache(100))
        monkeypatch.setattr(answering, "_owner_cache", answering.ImmutableCache(100))
    intruder = factory.login_student(factory.student(school))
    bodies = {
        "answers/1": [
            {"answer": "Z", "client_seq": 1},  # no such option: the question's own check
            {"answer": 42, "client_seq": 1},
            {"answer": "A", "client_seq": "one"},  # the schema's check
            {"answer": "A"},
            {},
        ],
        "integrity-events": [{"code": "e-99"}, {}],
        "questions/1/qrcode": [{"purpose": "selfie"}, {}],
    }
    for path, payloads in bodies.items():
        method = client.put if path.startswith("answers") else client.post
        for body in payloads:
            foreign = method(
                f"/api/v1/attempts/{attempt_id}/{path}", headers=intruder.headers, json=body
            )
            unknown = method(f"/api/v1/attempts/999999/{path}", headers=intruder.headers, json=body)
            assert foreign.status_code == unknown.status_code == 404, (path, body)
            told, unknown_told = (
                {k: v for k, v in r.get_json().items() if k != "request_id"}
                for r in (foreign, unknown)
            )
            assert told == unknown_told and told["code"] == "NOT_FOUND", (path, body)
    # The owner still gets the field errors, and nothing was written by the intruder.
    mine = save(client, me, attempt_id, 1, "Z", 1)
    assert mine.status_code == 422 and mine.get_json()["code"] == "INVALID_ANSWER"
    question = client.get(f"/api/v1/attempts/{attempt_id}/questions/1", headers=me.headers)
    assert question.get_json()["saved_seq"] == 0


def test_a_malformed_answer_to_a_handed_in_attempt_says_it_was_handed_in(
    client, factory, exam_setup
):
    _, student, exam = exam_setup
    me = factory.login_student(student)
    attempt_id = start(client, me, exam).get_json()["attempt_id"]
    assert (
        client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=me.headers).status_code == 200
    )
    late = save(client, me, attempt_id, 1, "Z", 1)
    assert late.status_code == 409 and late.get_json()["code"] == "ATTEMPT_SUBMITTED"


def test_exam_not_open_cannot_be_started(client, factory):
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, starts_in=timedelta(hours=1), students=[student])
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)
    response = start(client, factory.login_student(student), exam)
    assert response.status_code == 403
    assert (
        response.get_json()["code"] == "EXAM_NOT_OPEN"
        and "尚未开始" in response.get_json()["reason"]
    )


def test_submit_then_grading_then_published_with_the_objective_score(
    client, factory, exam_setup, start_worker
):
    """FAQ 17: 成绩计算中 until the job stores the objective score; essays wait for a teacher."""
    school, student, exam = exam_setup
    me = factory.login_student(student)
    attempt = start(client, me, exam).get_json()
    attempt_id = attempt["attempt_id"]
    for n, question in enumerate(paper(client, me, attempt), start=1):
        answer = RIGHT_ANSWERS[question["type"]]
        if question["type"] == "multiple":
            answer = ["A"]  # wrong: multiple choice needs the exact set
        assert save(client, me, attempt_id, n, answer, 1).status_code == 200

    submitted = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=me.headers)
    assert submitted.get_json()["status"] == "grading"
    result = client.get(f"/api/v1/attempts/{attempt_id}/result", headers=me.headers).get_json()
    assert result["status"] == "grading" and result["objective_score"] is None
    assert "成绩计算中" in result["message"]

    start_worker()
    published = published_result(client, me, attempt_id, timeout=20)
    assert published["objective_score"] == 15.0  # single 5 + judge 5 + fill 5; multiple wrong
    assert published["marking_complete"] is False and published["total_score"] == 15.0
    again = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=me.headers)
    assert again.status_code == 200 and again.get_json()["status"] == "published"
    assert save(client, me, attempt_id, 1, "A", 5).get_json()["code"] == "ATTEMPT_SUBMITTED"

    teacher = factory.login_teacher(factory.teacher(school))
    marked = client.post(
        f"/api/v1/attempts/{attempt_id}/questions/5/mark",
        headers=teacher.headers,
        json={"score": 16},
    )
    assert marked.status_code == 200, marked.get_json()
    assert (marked.get_json()["total_score"], marked.get_json()["marking_complete"]) == (31.0, True)
    too_much = client.post(
        f"/api/v1/attempts/{attempt_id}/questions/5/mark",
        headers=teacher.headers,
        json={"score": 21},
    )
    assert too_much.status_code == 422
    objective = client.post(
        f"/api/v1/attempts/{attempt_id}/questions/1/mark",
        headers=teacher.headers,
        json={"score": 1},
    )
    assert objective.get_json()["code"] == "NOT_MARKABLE"
    exams = client.get("/api/v1/me/exams", headers=me.headers).get_json()
    assert exams[0]["state"] == "finished" and exams[0]["can_enter"] is False
    # FAQ 17: the result can be looked up from the exam list on any computer.
    assert (exams[0]["attempt_id"], exams[0]["result_status"]) == (attempt_id, "published")
    again = start(client, me, exam)
    assert again.status_code == 409 and again.get_json()["code"] == "ATTEMPT_SUBMITTED"


def test_silence_auto_submits_with_what_was_saved(service_urls, factory, exam_setup, start_worker):
    """FAQ 10: no heartbeat or save for the silence window → submitted and graded normally."""
    _, student, exam = exam_setup
    quick = make_settings(service_urls, ATTEMPT_SILENCE_SECONDS=3)
    app = create_app(quick)
    client = app.test_client()
    start_worker(quick)
    me = factory.login_student(student)
    attempt = start(client, me, exam).get_json()
    first = client.get(
        f"/api/v1/attempts/{attempt['attempt_id']}/questions/1", headers=me.headers
    ).get_json()
    save(client, me, attempt["attempt_id"], 1, RIGHT_ANSWERS[first["type"]], 1)
    result = published_result(client, me, attempt["attempt_id"])
    assert result["submit_reason"] == "silence"
    assert result["objective_score"] == 5.0
    late = start(client, me, exam)
    assert late.get_json()["code"] == "ATTEMPT_SUBMITTED" and "30分钟" in late.get_json()["message"]


def test_heartbeats_keep_a_quiet_attempt_alive(service_urls, factory, exam_setup):
    import time

    _, student, exam = exam_setup
    app = create_app(make_settings(service_urls, ATTEMPT_SILENCE_SECONDS=3))
    client = app.test_client()
    me = factory.login_student(student)
    attempt_id = start(client, me, exam).get_json()["attempt_id"]
    for _ in range(5):  # 5 s in all, longer than the silence window
        time.sleep(1.0)
        assert (
            client.post(f"/api/v1/attempts/{attempt_id}/heartbeat", headers=me.headers).status_code
            == 200
        )
    # Resuming after the heartbeats is still possible: the attempt never fell silent.
    assert start(client, factory.login_student(student), exam).get_json()["resumed"] is True


def test_exam_end_auto_submits_every_open_attempt(client, factory, start_worker):
    """FAQ 16: a candidate who could not submit is submitted at the exam's end."""
    school = factory.school()
    students = [factory.student(school) for _ in range(3)]
    exam = factory.exam(
        school,
        starts_in=timedelta(minutes=-5),
        lasts=timedelta(minutes=5, seconds=8),
        students=students,
    )
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)
    start_worker()
    attempts = []
    for student in students:
        me = factory.login_student(student)
        attempt = start(client, me, exam).get_json()
        save(client, me, attempt["attempt_id"], 3, True, 1)
        attempts.append((me, attempt))
    for me, attempt in attempts:
        result = published_result(client, me, attempt["attempt_id"])
        assert result["submit_reason"] == "deadline"
        assert result["objective_score"] == 5.0
    late = save(client, attempts[0][0], attempts[0][1]["attempt_id"], 1, "B", 2)
    assert late.status_code == 409 and late.get_json()["code"] in (
        "ATTEMPT_SUBMITTED",
        "DEADLINE_PASSED",
    )


def test_the_sweep_catches_what_a_lost_redis_forgot(
    service_urls, factory, exam_setup, start_worker
):
    """The database is the source of truth: with Redis emptied, the sweep still submits
    and grades."""
    import redis as redis_lib

    _, student, exam = exam_setup
    quick = make_settings(service_urls, ATTEMPT_SILENCE_SECONDS=2, SWEEP_INTERVAL_SECONDS=1)
    app = create_app(quick)
    client = app.test_client()
    me = factory.login_student(student)
    attempt_id = start(client, me, exam).get_json()["attempt_id"]
    redis_lib.Redis.from_url(quick.REDIS_URL).flushdb()  # the scheduled auto-submits are gone

    import subprocess
    import sys

    from infra.services import stop_process
    from tests.conftest import service_env

    start_worker(quick)
    cron = subprocess.Popen([sys.executable, "-m", "workers.cron"], env=service_env(quick))
    try:
        result = published_result(client, me, attempt_id)
    finally:
        stop_process(cron)
    assert result["submit_reason"] == "silence"


def test_coming_back_after_the_silence_window_finds_it_submitted(service_urls, factory, exam_setup):
    """FAQ 10: past the window the saved answers are submitted, even if no job ran yet."""
    import time

    _, student, exam = exam_setup
    app = create_app(make_settings(service_urls, ATTEMPT_SILENCE_SECONDS=1))
    client = app.test_client()
    first_pc = factory.login_student(student)
    attempt_id = start(client, first_pc, exam).get_json()["attempt_id"]
    save(client, first_pc, attempt_id, 3, True, 1)
    time.sleep(1.5)
    late = start(client, factory.login_student(student), exam)
    assert late.status_code == 409
    assert (late.get_json()["code"], late.get_json()["submit_reason"]) == (
        "ATTEMPT_SUBMITTED",
        "silence",
    )
    result = client.get(
        f"/api/v1/attempts/{attempt_id}/result", headers=first_pc.headers
    ).get_json()
    assert result["status"] == "grading" and result["submit_reason"] == "silence"
