"""Face jobs (FAQ 6-8): base photos, entry face checks, replacement requests.

They run on the media queue, in workers that loaded the face models at start
(`python -m workers.worker --media`). Ids in, idempotent, errors propagate (RQ retries).
"""

from __future__ import annotations

import logging

from server.domain import faces, jobs
from workers import context
from workers.jobs import job

log = logging.getLogger(__name__)


@job(jobs.PREPARE_BASE_PHOTO)
def prepare_base_photo(base_photo_id: int) -> str:
    with context.session() as session:
        status = faces.prepare_base_photo(
            session, base_photo_id, context.storage(), context.face_engine(), context.face_policy()
        )
    log.info("base photo %s: %s", base_photo_id, status)
    return status


@job(jobs.RUN_FACE_CHECK)
def run_face_check(check_id: int) -> dict:
    with context.session() as session:
        check = faces.run_face_check(
            session,
            check_id,
            context.storage(),
            context.face_engine(),
            context.face_policy(),
            context.event_publisher(),
        )
        result = {"status": check.status, "reason": check.reason, "score": check.score}
    log.info("face check %s: %s", check_id, result)
    return result


@job(jobs.SCORE_BASE_PHOTO_REQUEST)
def score_base_photo_request(request_id: int) -> dict:
    with context.session() as session:
        request = faces.score_request(
            session, request_id, context.storage(), context.face_engine(), context.face_policy()
        )
        result = {"score": request.score, "quality_reason": request.quality_reason}
    log.info("base photo request %s scored: %s", request_id, result)
    return result
