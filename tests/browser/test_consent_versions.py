"""A new consent-form version in the browser: staff draft and approve a major change, and a
participant reads it and agrees again. Every page passes axe, errors shown too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in, sign_out
from tests.browser.consent_steps import answer_the_standard_form
from tests.browser.test_accessibility import violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

#: Demo trial 2, CalmPath, is recruiting at both sites.
CALMPATH = 2
NEW_RISK = "You will also be asked to wear an activity tracker for one week."


def participant_consents(page: Page, live_url: str) -> None:
    sign_in(page, live_url, "participant@demo.test")
    page.goto(f"{live_url}/trials/{CALMPATH}/consent")
    answer_the_standard_form(page, "Pat Participant")
    page.get_by_label("Dorchester satellite").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Sign and agree to take part").click()
    expect(page.locator("#consent-reference")).to_be_visible()
    sign_out(page, live_url)


def staff_approve_a_major_change(page: Page, live_url: str) -> list[str]:
    found: list[str] = []
    sign_in(page, live_url, "researcher@demo.test")
    page.goto(f"{live_url}/trials/{CALMPATH}/consent-forms")
    found += violations(page)
    page.get_by_role("button", name="Create a new version").click()
    expect(page.get_by_role("heading", name="Edit version 2 (draft)")).to_be_visible()
    found += violations(page)
    page.get_by_role("link", name="Add a question").click()
    page.get_by_role("button", name="Save question").click()
    page.get_by_role("alert").first.wait_for()
    found += violations(page)
    page.get_by_role("link", name="Back to the draft").click()
    page.get_by_role("link", name="Add a statement").click()
    page.get_by_label("Statement").fill("I agree to wear an activity tracker for one week.")
    page.get_by_label(re.compile("Required: participants must agree")).check()
    page.get_by_role("button", name="Save statement").click()
    expect(page.locator("#statements")).to_contain_text("activity tracker")
    page.get_by_role("button", name="Approve this version").click()
    page.get_by_role("button", name="Approve this version").click()  # nothing chosen
    page.get_by_role("alert").first.wait_for()
    found += violations(page)
    page.get_by_label("Major change").check()
    page.get_by_label("Summary of changes for participants").fill(NEW_RISK)
    page.get_by_role("button", name="Approve this version").click()
    expect(page.get_by_role("alert")).to_contain_text("Version 2 approved")
    page.goto(f"{live_url}/trials/{CALMPATH}/consent-forms/reconsent-needed")
    found += violations(page)
    sign_out(page, live_url)
    return found


def participant_agrees_again(page: Page, live_url: str) -> list[str]:
    found: list[str] = []
    sign_in(page, live_url, "participant@demo.test")
    page.goto(f"{live_url}/my-trials/")
    expect(page.locator("main")).to_contain_text("You need to read the new information")
    found += violations(page)
    page.get_by_role("button", name=re.compile("Read and agree again to CalmPath")).click()
    expect(page.locator("main")).to_contain_text(NEW_RISK)
    found += violations(page)
    page.get_by_role("link", name="I do not want to carry on").click()
    found += violations(page)
    page.get_by_role("link", name="Go back and read the new information").click()
    page.get_by_role("button", name="Continue").click()  # nothing ticked
    page.get_by_role("alert").first.wait_for()
    found += violations(page)
    answer_the_standard_form(page, "Pat Participant")
    page.get_by_role("button", name="Continue").click()
    found += violations(page)
    page.get_by_role("button", name="Sign and agree to carry on").click()
    expect(page.get_by_text("You have agreed to version 2")).to_be_visible()
    sign_out(page, live_url)
    return found


def test_a_major_change_is_approved_and_agreed_to_again(page: Page, live_url, server_errors):
    participant_consents(page, live_url)
    found = staff_approve_a_major_change(page, live_url)
    found += participant_agrees_again(page, live_url)
    assert found == []
    assert server_errors == []
