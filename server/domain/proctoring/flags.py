"""Proctoring flags (FAQ 3, 18): what the analysis and the desktop client report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from server.domain.actors import Actor, Role
from server.domain.clock import utcnow
from server.domain.errors import InvalidInput, NotFound
from server.domain.exams import (
    Attempt,
    AttemptStatus,
)
from server.domain.identity import IntegrityEvent
from server.domain.proctoring.models import (
    FlagKind,
    ProctorFlag,
)
from server.domain.proctoring.reviews import settle_result

# What the teacher reads in the review queue for each flag kind.
FLAG_LABELS = {
    FlagKind.LOW_LIGHT: "光线拍摄不足",
    FlagKind.CAMERA_BLOCKED: "摄像头被遮挡或黑屏",
    FlagKind.NO_FACE: "画面中没有考生",
    FlagKind.ANOTHER_PERSON: "其他人员入镜",
    FlagKind.NOT_CANDIDATE: "疑似非本人考试",
    FlagKind.SECOND_CAMERA_LOST: "第二机位（手机）中断",
    FlagKind.WEBCAM_SILENT: "监考摄像头长时间未上传画面",
    FlagKind.REMOTE_CONTROL: "考试中检测到远程控制(e-01)",
    FlagKind.VIRTUAL_DEVICE: "考试中检测到虚拟设备(e-02)",
}

# What the desktop client may report during an attempt, and the flag each one raises.
CLIENT_EVENT_FLAGS = {
    "e-01": FlagKind.REMOTE_CONTROL,
    "e-02": FlagKind.VIRTUAL_DEVICE,
    "camera_black": FlagKind.CAMERA_BLOCKED,
    "camera_missing": FlagKind.CAMERA_BLOCKED,
    "focus_lost": None,
    "fullscreen_exit": None,
}


def flag_event(flag: ProctorFlag) -> dict[str, object]:
    return {
        "id": flag.id,
        "kind": flag.kind,
        "label": FLAG_LABELS.get(flag.kind, flag.kind),
        "created_at": flag.created_at.isoformat(),
    }


def raise_flag(
    session: Session,
    attempt: Attempt,
    kind: FlagKind,
    detail: dict | None = None,
    now: datetime | None = None,
) -> ProctorFlag:
    """A flag without a photo (client reports, a silent second camera); the caller commits."""
    flag = ProctorFlag(
        school_id=attempt.school_id,
        attempt_id=attempt.id,
        kind=kind,
        detail=detail or {},
        created_at=now or utcnow(),
    )
    session.add(flag)
    session.flush()
    settle_result(session, attempt.id)
    return flag


# --- client-reported integrity events during an attempt ---


def report_client_event(
    session: Session,
    actor: Actor,
    attempt_id: int,
    code: str,
    detail: dict,
    client_address: str | None,
) -> tuple[IntegrityEvent, ProctorFlag | None]:
    actor.require_role(Role.CANDIDATE)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.student_id != actor.user_id:
        raise NotFound("NOT_FOUND")
    if code not in CLIENT_EVENT_FLAGS:
        raise InvalidInput(
            "VALIDATION_ERROR",
            errors={"code": [f"未知的事件代码，可选：{', '.join(CLIENT_EVENT_FLAGS)}"]},
        )
    event = IntegrityEvent(
        school_id=attempt.school_id,
        user_id=actor.user_id,
        code=code,
        detail={**detail, "attempt_id": attempt.id},
        client_address=client_address,
    )
    session.add(event)
    flag = None
    kind = CLIENT_EVENT_FLAGS[code]
    if kind is not None and attempt.status == AttemptStatus.IN_PROGRESS:
        flag = raise_flag(session, attempt, kind, {"reported_by": "client", "code": code})
    session.commit()
    return event, flag
