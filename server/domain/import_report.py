"""The per-row report every bulk import answers (students, questions, later base photos)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RowError:
    line: int
    reason: str  # Chinese, shown to the teacher as is
    field: str | None = None


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.unchanged + len(self.errors)
