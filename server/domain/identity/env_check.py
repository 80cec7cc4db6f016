"""The desktop client's environment check at login (FAQ 2, 23, 24, 25)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.domain.errors import Forbidden

# Codes the native client reports, and the refusal each one gets.
_CODE_REFUSALS = {"E-01": "ENV_REMOTE_CONTROL", "E-02": "ENV_VIRTUAL_DEVICE"}


@dataclass(frozen=True)
class EnvCheck:
    codes: tuple[str, ...] = ()
    remote_tools: tuple[str, ...] = ()
    client_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | None) -> EnvCheck:
        payload = payload or {}
        return cls(
            codes=tuple(
                str(code).strip() for code in payload.get("codes") or () if str(code).strip()
            ),
            remote_tools=tuple(
                str(tool).strip() for tool in payload.get("remote_tools") or () if str(tool).strip()
            ),
            client_version=payload.get("client_version") or None,
        )

    def as_detail(self) -> dict[str, object]:
        return {
            "codes": list(self.codes),
            "remote_tools": list(self.remote_tools),
            "client_version": self.client_version,
        }


def refusal_code(check: EnvCheck, minimum_version: str) -> str | None:
    """The error code that refuses this environment, or None when it is clean."""
    if check.remote_tools:
        return "REMOTE_ASSIST_DETECTED"
    for code in check.codes:
        refusal = _CODE_REFUSALS.get(code.upper())
        if refusal:
            return refusal
    if check.client_version and _version_key(check.client_version) < _version_key(minimum_version):
        return "CLIENT_TOO_OLD"
    return None


def refuse(code: str, check: EnvCheck) -> Forbidden:
    detail = check.as_detail()
    if code == "REMOTE_ASSIST_DETECTED":
        return Forbidden(code, remote_tools=detail["remote_tools"])
    return Forbidden(code, codes=detail["codes"])


def _version_key(version: str) -> tuple[int, ...]:
    numbers = []
    for part in version.split("-")[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits) if digits else 0)
    return tuple(numbers)
