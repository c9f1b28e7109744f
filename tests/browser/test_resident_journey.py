"""A new resident alone in the browser: join, confirm email, find a trial, check eligibility,
register interest, consent, answer, keep copies, leave.

The development outbox is switched on so the resident can follow the emailed link.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.consent_steps import answer_the_standard_form
from tests.browser.test_accessibility import violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

LIVE_CONFIG = {"MAIL_OUTBOX_VISIBLE": True}
CALMPATH = "CalmPath: guided self-help for low mood"


def join_the_registry(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/register")
    page.get_by_role("button", name="Join the registry").click()  # empty: every error shown
    expect(page.get_by_role("alert")).to_contain_text("Enter your full name")
    page.get_by_label("Full name").fill("Morgan Resident")
    page.get_by_role("textbox", name="Day").fill("12")
    page.get_by_role("textbox", name="Month").fill("5")
    page.get_by_role("textbox", name="Year").fill("1951")
    page.get_by_label("Female", exact=True).check()
    page.get_by_label("Postcode").fill("dt1 1aa")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Arthritis").check()
    page.get_by_label("A smartphone").check()
    page.get_by_label("Email address").fill("morgan@example.test")
    page.get_by_label("Create a password").fill("correct horse battery")
    page.get_by_label("Type your password again").fill("correct horse battery")
    page.get_by_label("Contact me about studies I might be able to join").check()
    page.get_by_role("button", name="Join the registry").click()
    expect(page.get_by_text("You have joined the Dorset Living Lab")).to_be_visible()


def confirm_email(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/dev/outbox")
    page.locator("a[href*='/verify-email/']").first.click()
    expect(page.get_by_text("Email address confirmed").first).to_be_visible()


def find_a_trial_and_check_eligibility(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/trials/")
    page.get_by_label("Dorset health goal").select_option(label="Mental health")
    page.get_by_role("button", name="Show trials").click()
    expect(page.locator("main")).not_to_contain_text("StrideSense in West Dorset")
    page.get_by_role("link", name=CALMPATH).click()
    expect(page.locator("main")).to_contain_text("Who can take part")
    page.get_by_role("button", name="Check if you can take part").click()
    expect(page.get_by_role("heading", name="Can you take part?")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("You do not meet this")
    page.get_by_role("button", name="Register interest").click()  # no site chosen
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Dorchester satellite").check()
    page.get_by_role("button", name="Register interest").click()
    expect(page.locator("main")).to_contain_text("You registered interest")


def consent_to_calmpath(page: Page, live_url: str) -> None:
    page.get_by_role("link", name=re.compile("Read the consent form")).click()
    expect(page.get_by_role("heading", name="Consent form", level=1)).to_be_visible()
    answer_the_standard_form(page, "Morgan Resident")
    page.get_by_label("Dorchester satellite").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Sign and agree to take part").click()
    expect(page.locator("#consent-reference")).to_have_text(re.compile(r"DLL-[0-9A-F]{8}"))
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download a PDF copy of your consent form").click()
    assert pdf.value.suggested_filename.startswith("consent-DLL-")
    with open(pdf.value.path(), "rb") as copy:
        assert copy.read(5) == b"%PDF-"


def complete_a_questionnaire(page: Page, live_url: str) -> None:
    page.get_by_role("link", name="My trials").first.click()
    page.get_by_role("link", name=re.compile("PHQ-9 depression score, baseline")).click()
    assert violations(page) == []
    page.get_by_role("button", name="Save my answers").click()  # nothing answered
    expect(page.get_by_role("alert")).to_contain_text("Answer this question")
    assert violations(page) == []
    for radio in page.locator("input[type=radio][value='0']").all():
        radio.check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Your answers to the Patient Health Questionnaire")).to_be_visible()


def download_my_data(page: Page, live_url: str) -> None:
    page.get_by_role("link", name="My data").first.click()
    expect(page.locator("main")).to_contain_text("morgan@example.test")
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON file").click()
    with open(download.value.path(), encoding="utf-8") as file:
        data = json.load(file)
    assert "morgan@example.test" in json.dumps(data)
    assert "Pat Participant" not in json.dumps(data)


def withdraw(page: Page, live_url: str) -> None:
    page.get_by_role("link", name="My trials").first.click()
    page.get_by_role("link", name=re.compile("Stop taking part")).click()
    page.get_by_label(re.compile("let the researchers use the information already")).check()
    page.get_by_role("button", name="Confirm and stop taking part").click()
    page.get_by_role("link", name="My trials").first.click()
    expect(page.locator("main")).to_contain_text("You stopped taking part on")


def test_a_new_resident_joins_finds_a_trial_consents_keeps_copies_and_withdraws(
    page: Page, live_url, server_errors
):
    join_the_registry(page, live_url)
    confirm_email(page, live_url)
    find_a_trial_and_check_eligibility(page, live_url)
    consent_to_calmpath(page, live_url)
    complete_a_questionnaire(page, live_url)
    download_my_data(page, live_url)
    withdraw(page, live_url)
    assert server_errors == []
