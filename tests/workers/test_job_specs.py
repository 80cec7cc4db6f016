"""Every JobSpec in server.domain.jobs (found there, not listed here) enqueued through the one
enqueue helper on a real Redis: RQ resolves the function a worker would run, that function is
bound to the same spec (@job), and the job waits on the spec's queue with its timeout and retries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer

from server.adapters.queue import QUEUE_NAMES, JobQueue
from server.domain import jobs
from workers.jobs import JobSpecMismatch, job

SPECS = {name: value for name, value in vars(jobs).items() if isinstance(value, jobs.JobSpec)}


@pytest.fixture
def redis(service_urls) -> Redis:
    return Redis.from_url(service_urls[1])


def test_the_specs_are_found():
    assert {"GRADE_ATTEMPT", "SWEEP_ATTEMPTS", "RUN_FACE_CHECK"} <= set(SPECS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_spec_enqueues_its_bound_function_on_its_queue_with_its_limits(redis, name):
    spec = SPECS[name]
    enqueued = JobQueue(redis).enqueue(spec, 7, job_id=f"spec-{name}")
    stored = Job.fetch(enqueued.id, connection=redis, serializer=JSONSerializer)
    function = stored.func  # imported from its dotted name, as the worker that runs it does
    assert getattr(function, "job_spec", None) is spec, f"{spec.function} is not bound to {name}"
    assert stored.args == [7]  # ids only, through the JSON serializer
    assert stored.origin == spec.queue
    assert stored.id in JobQueue(redis).queue(spec.queue).job_ids
    assert spec.queue in (*QUEUE_NAMES, *jobs.MEDIA_QUEUES)  # some worker serves it
    assert stored.timeout == spec.timeout
    assert stored.retries_left == (len(spec.retry_intervals) or None)
    assert stored.retry_intervals == (list(spec.retry_intervals) or None)


def test_a_scheduled_job_waits_in_its_queues_schedule(redis):
    at = datetime.now(UTC) + timedelta(minutes=5)
    enqueued = JobQueue(redis).enqueue(jobs.CHECK_ATTEMPT, 7, job_id="spec-scheduled", at=at)
    queue = JobQueue(redis).queue(jobs.CHECK_ATTEMPT.queue)
    assert enqueued.id in queue.scheduled_job_registry.get_job_ids()
    assert enqueued.id not in queue.job_ids


def test_a_name_is_not_enqueued(redis):
    with pytest.raises(TypeError):
        JobQueue(redis).enqueue(jobs.GRADE_ATTEMPT.function, 7)


def test_a_function_bound_to_a_spec_naming_another_path_fails_at_once():
    def grade_attempt(attempt_id: int) -> bool:  # a job renamed or moved without its spec
        return True

    with pytest.raises(JobSpecMismatch, match="workers.jobs.attempts.grade_attempt"):
        job(jobs.GRADE_ATTEMPT)(grade_attempt)


def test_face_checks_have_a_queue_the_media_workers_serve_first():
    # RQ takes from a worker's queues in order: a face check at the exam's door is the next
    # job a media worker takes, whatever number of snapshots and photos wait in `media`.
    assert jobs.RUN_FACE_CHECK.queue == jobs.FACES_QUEUE == jobs.MEDIA_QUEUES[0]
    media_specs = [spec for spec in SPECS.values() if spec.queue in jobs.MEDIA_QUEUES]
    assert {spec.queue for spec in media_specs} - {jobs.FACES_QUEUE} == {jobs.MEDIA_QUEUE}
    assert [spec for spec in media_specs if spec.queue == jobs.FACES_QUEUE] == [jobs.RUN_FACE_CHECK]
