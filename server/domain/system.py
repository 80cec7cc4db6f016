"""Server time (FAQ 4), client versions (FAQ 23) and readiness."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.clock import SHANGHAI, utcnow


def server_time() -> dict[str, object]:
    now = utcnow()
    return {"server_time": now, "timezone": str(SHANGHAI), "epoch_ms": int(now.timestamp() * 1000)}


def client_versions(
    current: str, minimum: str, low_end: str, download_base_url: str
) -> dict[str, dict[str, str]]:
    base = download_base_url.rstrip("/")
    return {
        "current": {
            "version": current,
            "download_url": f"{base}/exam-client-{current}.exe",
            "description": "考生端最新版本",
        },
        "minimum": {
            "version": minimum,
            "download_url": f"{base}/exam-client-{minimum}.exe",
            "description": "低于此版本的考生端不能登录，请升级",
        },
        "low_end": {
            "version": low_end,
            "download_url": f"{base}/exam-client-{low_end}.exe",
            "description": "低端版程序：老旧电脑打开程序黑屏时使用，或联系网考管理人员",
        },
    }


def database_ready(session: Session) -> bool:
    session.execute(text("SELECT 1"))
    return True
