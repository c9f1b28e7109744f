"""Browser helper: answer the demo consent form as a resident would."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def answer_the_standard_form(page: Page, name: str) -> None:
    """Tick every statement, answer the comprehension questions rightly, type ``name``.

    The site and the clicks that follow are left to the caller.
    """
    # .all() does not wait: let the form load before listing its boxes.
    expect(page.get_by_label("Yes, at any time and without giving a reason")).to_be_visible()
    for box in page.locator("input[type=checkbox]").all():
        box.check()
    page.get_by_label("Yes, at any time and without giving a reason").check()
    page.get_by_label("It is decided at random").check()
    page.get_by_role(
        "group", name="Will the company that makes the product see your name?"
    ).get_by_label("No").check()
    page.get_by_label("Your full name").fill(name)
