"""Photo jobs (FAQ 21): the downscaled, upright, metadata-free copy of an uploaded answer photo.

Takes ids only and is idempotent: a retried or duplicated job finds its output and returns it.
Errors propagate, so RQ records the failure and retries.
"""

from __future__ import annotations

import logging

from server.domain import companion, jobs
from workers import context
from workers.jobs import job

log = logging.getLogger(__name__)


@job(jobs.PROCESS_ANSWER_PHOTO)
def process_answer_photo(photo_id: int) -> dict:
    """An answer photo from the phone: its clean copy, then photo_ready on the desktop's stream."""
    settings = context.settings()
    storage = context.storage()
    with context.session() as session:
        photo = companion.process_answer_photo(
            session,
            photo_id,
            storage,
            settings.PHOTO_LONG_EDGE,
            context.event_publisher(),
            lambda key: storage.url(key, settings.PHOTO_URL_TTL_SECONDS),
        )
        result = {"status": photo.status, "width": photo.width, "height": photo.height}
    log.info("answer photo %s: %s", photo_id, result)
    return result
