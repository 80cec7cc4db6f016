"""Helpers of the teacher-console browser tests: logging in to the console, following its
sidebar, and its screenshots. What the browser tests share is in support.py."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.factories import STAFF_PASSWORD


def open_console(
    page: Page, live_server: str, teacher, route: str = "students", live_interval_ms: int = 1000
) -> None:
    """Open the console at `route` and log in as the teacher."""
    page.goto(f"{live_server}/console/?live_interval={live_interval_ms}#/{route}")
    expect(page.locator("#login-screen")).to_be_visible()
    page.fill("#login-username", teacher.username)
    page.fill("#login-password", STAFF_PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#app-screen")).to_be_visible()
    expect(page.locator("#current-user")).to_contain_text(teacher.username)


def navigate(page: Page, route: str) -> None:
    """Follow the sidebar link of `route` (the hash router renders the view)."""
    page.click(f".sidebar a[data-route='{route}']")
    expect(page.locator("#view")).to_have_attribute("data-view", route)


def shot(page: Page, name: str):
    """A full-page screenshot from the top (the console's top bar and sidebar are sticky)."""
    page.evaluate("window.scrollTo(0, 0)")
    return screenshot(page, name)
