"""Write the server's error catalogue for the mini program: miniprogram/config/error-catalogue.json,
and the same data as a module, error-catalogue.js, because the mini program's require() loads
JavaScript files only (its jest tests read the JSON).

The phone shows the server's own Chinese messages and FAQ numbers; its tests and fallback texts read
these files, so the two cannot drift. Run after editing server/domain/error_catalogue.py:

    .venv/bin/python -m infra.scripts.export_error_catalogue

tests/infra/test_error_catalogue_export.py fails while the committed file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from server.domain.error_catalogue import CATALOGUE

CONFIG = Path(__file__).resolve().parents[2] / "miniprogram" / "config"
TARGET = CONFIG / "error-catalogue.json"
MODULE = CONFIG / "error-catalogue.js"


def render() -> str:
    """The JSON file's exact text: code -> {message, faq}, codes sorted, Chinese kept readable."""
    entries = {
        code: {"message": entry.message, "faq": entry.faq} for code, entry in CATALOGUE.items()
    }
    return json.dumps(entries, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def render_module() -> str:
    """The module's exact text: the same JSON as module.exports."""
    return (
        "// Made by infra/scripts/export_error_catalogue.py from the server error catalogue;\n"
        "// do not edit (tests/infra/test_error_catalogue_export.py fails when it is stale).\n"
        f"module.exports = {render().rstrip()};\n"
    )


def main() -> int:
    TARGET.write_text(render(), encoding="utf-8")
    MODULE.write_text(render_module(), encoding="utf-8")
    print(f"wrote {len(CATALOGUE)} codes to miniprogram/config/{TARGET.name} and {MODULE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
