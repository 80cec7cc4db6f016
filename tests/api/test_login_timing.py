"""Issue 14.7: a failed login takes as long whether or not the username exists (or still has
its default password): an unknown name is checked against a dummy argon2 hash."""

from __future__ import annotations

import statistics
import time

from argon2 import PasswordHasher

from server.app import create_app
from tests.conftest import make_settings
from tests.factories import valid_id

LOGIN = "/api/v1/auth/login"


def test_every_failed_login_costs_one_argon2_check(client, factory, monkeypatch):
    school = factory.school()
    factory.student(school, id_number=valid_id(61), student_no="K1")  # default password
    changed = factory.student(school, id_number=valid_id(62), student_no="K2")
    me = factory.login_student(changed)
    assert (
        client.post(
            "/api/v1/me/password",
            headers=me.headers,
            json={"old_password": valid_id(62)[-6:], "new_password": "changed-secret"},
        ).status_code
        == 204
    )
    calls = []
    real_verify = PasswordHasher.verify

    def counted(self, hash, password):
        calls.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    for username in ("nobody", "K1", "K2"):
        calls.clear()
        response = client.post(LOGIN, json={"username": username, "password": "wrong-guess"})
        assert response.status_code == 401
        assert len(calls) == 1, username
        assert calls[0].startswith("$argon2id$")


def test_an_unknown_username_fails_as_slowly_as_a_known_one(service_urls, factory):
    """With a production-like argon2 cost the hash dominates: the unknown name's median time
    is of the same order as the known one's (before the fix it was a few per cent)."""
    app = create_app(
        make_settings(service_urls, PASSWORD_HASH_TIME_COST=2, PASSWORD_HASH_MEMORY_KIB=19456)
    )
    client = app.test_client()
    school = factory.school()
    factory.student(school, id_number=valid_id(63), student_no="K3")

    def median_seconds(username: str) -> float:
        times = []
        for n in range(7):
            address = {"REMOTE_ADDR": f"192.0.2.{n}"}  # stay below the per-address limits
            started = time.perf_counter()
            response = client.post(
                LOGIN, json={"username": username, "password": "x"}, environ_base=address
            )
            times.append(time.perf_counter() - started)
            assert response.status_code == 401
        return statistics.median(times)

    known, unknown = median_seconds("K3"), median_seconds("nobody-here")
    assert unknown > 0.5 * known, (known, unknown)
