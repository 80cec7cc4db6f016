"""Fixtures shared by the API tests."""

from __future__ import annotations

import pytest

from tests.fakes.wechat import FakeWeChat, FakeWeChatServer


@pytest.fixture(scope="module")
def fake_wechat():
    """WeChat's servers faked on loopback HTTP, for phone logins (one per test module)."""
    with FakeWeChatServer(FakeWeChat()) as server:
        yield server
