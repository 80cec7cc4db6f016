"""Write the server's error catalogue for the mini program: miniprogram/config/error-catalogue.json.

The phone shows the server's own Chinese messages and FAQ numbers; its tests and fallback texts read
this file, so the two cannot drift. Run after editing server/domain/error_catalogue.py:

    .venv/bin/python -m infra.scripts.export_error_catalogue

tests/infra/test_error_catalogue_export.py fails while the committed file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from server.domain.error_catalogue import CATALOGUE

TARGET = Path(__file__).resolve().parents[2] / "miniprogram" / "config" / "error-catalogue.json"


def render() -> str:
    """The file's exact text: code -> {message, faq}, codes sorted, Chinese kept readable."""
    entries = {
        code: {"message": entry.message, "faq": entry.faq} for code, entry in CATALOGUE.items()
    }
    return json.dumps(entries, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> int:
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {len(CATALOGUE)} codes to {TARGET.relative_to(TARGET.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
