"""Proctoring jobs (FAQ 3, 18): analyse a webcam or second-camera frame for flags."""

from __future__ import annotations

import logging

from server.domain import jobs, proctoring
from workers import context
from workers.jobs import job

log = logging.getLogger(__name__)


@job(jobs.ANALYSE_SNAPSHOT)
def analyse_snapshot(snapshot_id: int) -> dict:
    with context.session() as session:
        snapshot = proctoring.analyse_snapshot(
            session,
            snapshot_id,
            context.storage(),
            context.face_engine(),
            context.face_policy(),
            context.event_publisher(),
        )
        findings = dict(snapshot.findings or {})
    log.info("snapshot %s analysed: %s", snapshot_id, findings)
    return findings
