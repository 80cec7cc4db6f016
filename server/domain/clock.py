"""The server clock decides (FAQ 4): all times are aware, shown in Beijing time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_shanghai(moment: datetime) -> datetime:
    return ensure_aware(moment).astimezone(SHANGHAI)


def ensure_aware(moment: datetime) -> datetime:
    """Naive times given by people are Beijing time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment


def format_beijing(moment: datetime) -> str:
    return to_shanghai(moment).strftime("%Y-%m-%d %H:%M")
