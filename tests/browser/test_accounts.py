"""Signing in and out in a real browser, with CSRF on and the NHS.UK scripts running."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from livinglab.demo import DEMO_ACCOUNTS
from tests.browser.conftest import sign_in, sign_out

pytestmark = [
    pytest.mark.browser,
    # The browser abandons requests (a favicon, a superseded page) and the development
    # server then drops the connection with the file still open: not an app fault.
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def test_wrong_password_moves_focus_to_the_error_summary(page, live_url, server_errors):
    page.goto(f"{live_url}/login")
    assert "nhsuk-frontend-supported" in page.locator("body").get_attribute("class")
    page.get_by_label("Email address").fill("admin@demo.test")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    assert "Enter a correct email address and password" in summary.inner_text()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()  # waits for the NHS.UK script
    assert page.title().startswith("Error:")
    assert server_errors == []


def test_every_demo_account_signs_in_and_out(page, live_url, server_errors):
    for email, name, _roles in DEMO_ACCOUNTS:
        sign_in(page, live_url, email)
        assert page.get_by_role("heading", level=1).inner_text() == f"Hello, {name}"
        sign_out(page, live_url)
    assert server_errors == []
