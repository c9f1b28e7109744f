"""Keyboard only: a resident signs up and consents with Tab, typing, Space, arrows and Enter."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

CALMPATH = "CalmPath: guided self-help for low mood"


def tab_to(page: Page, target: str | Locator, limit: int = 120) -> None:
    """Press Tab until ``target`` (a CSS selector or a locator) has focus: it must be reachable."""
    element = page.locator(target).first if isinstance(target, str) else target
    for _ in range(limit):
        page.keyboard.press("Tab")
        if element.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"{target} cannot be reached with the Tab key")


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page: Page, group: str, downs: int = 0) -> None:
    """Tab into a radio group and choose the option ``downs`` arrow presses below the first."""
    tab_to(page, f"input[type=radio][name='{group}']")
    page.keyboard.press("Space")
    for _ in range(downs):
        page.keyboard.press("ArrowDown")


def sign_up(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/register")
    type_into(page, "#full_name", "Kit Keyboard")
    type_into(page, "[name='date_of_birth[day]']", "2")
    type_into(page, "[name='date_of_birth[month]']", "9")
    type_into(page, "[name='date_of_birth[year]']", "1948")
    choose(page, "sex")
    type_into(page, "#postcode", "BH8 8DL")
    choose(page, "contact_method")
    tab_to(page, "input[type=checkbox][value='smartphone']")
    page.keyboard.press("Space")
    type_into(page, "#email", "kit@example.test")
    type_into(page, "#password", "a long keyboard passphrase")
    type_into(page, "#confirm_password", "a long keyboard passphrase")
    tab_to(page, "button[type=submit], input[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("You have joined the Dorset Living Lab")).to_be_visible()


def consent(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/trials/")
    tab_to(page, page.get_by_role("link", name=CALMPATH))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Check if you can take part"))
    page.keyboard.press("Enter")
    choose(page, "site_id")
    tab_to(page, page.get_by_role("button", name="Register interest"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name=re.compile("Read the consent form")))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Consent form", level=1)).to_be_visible()
    for box in page.locator("input[type=checkbox]").all():
        tab_to(page, f"#{box.get_attribute('id')}")
        page.keyboard.press("Space")
    questions = page.locator("input[type=radio][name^='question_']")
    names = list(dict.fromkeys(questions.evaluate_all("(xs) => xs.map(x => x.name)")))
    for name, downs in zip(names, (0, 2, 1), strict=True):
        choose(page, name, downs)
    choose(page, "site_id")
    type_into(page, "#typed_name", "Kit Keyboard")
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before you sign")
    tab_to(page, page.get_by_role("button", name="Sign and agree to take part"))
    page.keyboard.press("Enter")
    expect(page.locator("#consent-reference")).to_have_text(re.compile(r"DLL-[0-9A-F]{8}"))


def test_sign_up_and_consent_with_the_keyboard_alone(page: Page, live_url, server_errors):
    sign_up(page, live_url)
    consent(page, live_url)
    assert server_errors == []
