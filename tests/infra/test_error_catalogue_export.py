"""The mini program's copy of the error catalogue (miniprogram/config/error-catalogue.json) is
exactly what infra/scripts/export_error_catalogue.py makes from server/domain/error_catalogue.py."""

from __future__ import annotations

import json

from infra.scripts import export_error_catalogue
from server.domain.error_catalogue import CATALOGUE

STALE = "is stale: run .venv/bin/python -m infra.scripts.export_error_catalogue"


def test_the_committed_json_matches_the_server_catalogue():
    committed = export_error_catalogue.TARGET.read_text(encoding="utf-8")
    assert committed == export_error_catalogue.render(), f"error-catalogue.json {STALE}"


def test_the_committed_module_matches_the_server_catalogue():
    committed = export_error_catalogue.MODULE.read_text(encoding="utf-8")
    assert committed == export_error_catalogue.render_module(), f"error-catalogue.js {STALE}"


def test_every_code_carries_the_servers_message_and_faq():
    exported = json.loads(export_error_catalogue.render())
    assert set(exported) == set(CATALOGUE)
    assert exported["ATTEMPT_SUBMITTED"] == {
        "message": CATALOGUE["ATTEMPT_SUBMITTED"].message,
        "faq": 10,
    }
    assert exported["PAIRING_ENDED"]["faq"] == 22


def test_a_changed_message_is_caught(monkeypatch):
    before = export_error_catalogue.render()
    entry = CATALOGUE["PAIRING_ENDED"]
    monkeypatch.setitem(CATALOGUE, "PAIRING_ENDED", entry._replace(message="改过的提示"))
    assert export_error_catalogue.render() != before
    assert "改过的提示" in export_error_catalogue.render_module()
