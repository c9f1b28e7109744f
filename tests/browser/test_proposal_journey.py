"""Issue 5 in the browser: a new company proposes a trial step by step, research staff send
it back, the company changes it and resubmits, and the trial is approved and opened.

Runs on SQLite and on PostgreSQL. CSRF is on throughout.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in, sign_out
from tests.browser.proposal_steps import (
    fill_about,
    fill_date,
    fill_design,
    fill_eligibility,
    fill_primary_measure,
    fill_sites,
    fill_visits,
    save_and_continue,
)
from tests.browser.test_accessibility import violations
from tests.browser.test_organisation_journey import register_organisation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize(
        "live_database", ["sqlite", "postgresql"], indirect=True, scope="module"
    ),
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

TITLE = "Chesil gait sensor for people who have fallen"
PRODUCT = "Chesil gait sensor"
REASON = "Please ask for 40 participants at the hub: 30 is too few for the 2:1 ratio."
STEP_TITLES = (
    "About the trial",
    "Design and arms",
    "Sites and recruitment",
    "Who can take part",
    "Visit schedule",
    "Outcome measures",
)


def register_product(page: Page) -> None:
    page.get_by_role("link", name="Products").first.click()
    page.get_by_role("button", name="Register a product").click()
    page.get_by_label("Product name").fill(PRODUCT)
    page.get_by_label("Device", exact=True).check()
    page.get_by_label("Intended use").fill("Measures walking steadiness at home.")
    page.get_by_label("Prototype").check()
    page.get_by_label("Class IIa").check()
    page.get_by_role("button", name="Register product").click()
    expect(page.get_by_role("table")).to_contain_text(PRODUCT)


def on_step(page: Page, title: str, found: list[str]) -> None:
    """The step's page is shown (checked with axe) before it is filled in."""
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    found += violations(page)


def draft_every_step(page: Page, live_url: str, start: dt.date, end: dt.date) -> list[str]:
    """Fill in all six steps with "Save and continue"; the axe violations met on the way."""
    found: list[str] = []
    page.goto(f"{live_url}/proposals/new")
    on_step(page, "About the trial", found)
    fill_about(
        page,
        product=PRODUCT,
        title=TITLE,
        summary="We want to find out whether the Chesil gait sensor helps people who have "
        "fallen walk more steadily.",
        aims="To find out whether the sensor's warnings shorten the Timed Up and Go.",
        population="People aged 65 and over living at home who have fallen in the last year.",
        funding="Paid for by Chesil Sensors Ltd.",
        ics_outcome="Older people living well",
    )
    save_and_continue(page)
    on_step(page, "Design and arms", found)
    fill_design(page, [("Usual care", 1, True), ("Gait sensor", 2, False)])
    save_and_continue(page)
    on_step(page, "Sites and recruitment", found)
    fill_sites(page, {"Wessex Fields hub": 30}, start, end)
    save_and_continue(page)
    on_step(page, "Who can take part", found)
    fill_eligibility(page, 65, 95)
    save_and_continue(page)
    on_step(page, "Visit schedule", found)
    fill_visits(page, [("Baseline", 0, 0), ("Week 12", 84, 7)])
    save_and_continue(page)
    on_step(page, "Outcome measures", found)
    fill_primary_measure(
        page,
        name="Timed Up and Go",
        unit="seconds",
        low=3,
        high=120,
        visits=("Baseline (day 0)", "Week 12 (day 84)"),
    )
    save_and_continue(page)  # the last step returns to the proposal page
    return found


def company_proposes(page: Page, live_url: str, start: dt.date, end: dt.date) -> str:
    """A new company registers, drafts every step and submits; the proposal's URL."""
    register_organisation(page, live_url)
    register_product(page)
    found = draft_every_step(page, live_url, start, end)
    assert found == []
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    tasks = page.locator(".nhsuk-task-list__item")
    expect(tasks).to_have_count(len(STEP_TITLES))
    for title in STEP_TITLES:
        expect(tasks.filter(has_text=title)).to_contain_text("Completed")
    expect(page.get_by_text("Nothing is missing")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".nhsuk-summary-list").first).to_contain_text("Submitted")
    url = page.url
    sign_out(page, live_url)
    return url


def open_for_review(page: Page, live_url: str) -> None:
    sign_in(page, live_url, "researcher@demo.test")
    page.get_by_role("link", name="Review queue").first.click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Take into review").click()


def researcher_requests_a_change(page: Page, live_url: str) -> None:
    open_for_review(page, live_url)
    page.get_by_label("Send back for changes").check()
    page.get_by_role("button", name="Record decision").click()  # no reason
    expect(page.get_by_role("alert")).to_contain_text("Give the reason")
    page.get_by_label("Send back for changes").check()
    page.get_by_label("Reason", exact=True).fill(REASON)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Proposal sent back to the company")).to_be_visible()
    sign_out(page, live_url)


def company_changes_and_resubmits(page: Page, live_url: str, proposal_url: str) -> None:
    sign_in(page, live_url, "robin@chesil.example", "pebbles on the beach")
    page.goto(proposal_url)
    expect(page.locator("main")).to_contain_text(REASON)
    page.get_by_role("link", name="Sites and recruitment").click()
    page.get_by_label("Participants wanted at Wessex Fields hub").fill("40")
    page.get_by_role("button", name="Save and return to the proposal").click()
    expect(page.get_by_text("Nothing is missing")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".nhsuk-summary-list").first).to_contain_text("Submitted")
    sign_out(page, live_url)


def researcher_approves(page: Page, live_url: str, start: dt.date, end: dt.date) -> None:
    """Sees what changed, rates the checklist, approves at the hub with consent form
    version 1, records the ethics approval and opens recruitment."""
    open_for_review(page, live_url)
    page.get_by_role("link", name="See what changed since version 1").click()
    row = page.get_by_role("row", name=re.compile("Sites and participant targets"))
    expect(row).to_contain_text("Wessex Fields hub: 30 participants")
    expect(row).to_contain_text("Wessex Fields hub: 40 participants")
    page.get_by_role("link", name="Back to the proposal").click()
    page.get_by_role("link", name="Rate the checklist").click()
    # .all() does not wait: let the checklist page load before listing its groups.
    expect(page.get_by_role("heading", level=1)).to_have_text("Review checklist")
    for item in page.locator("main").get_by_role("group").all():
        item.get_by_label("Satisfied").check()
    page.get_by_role("button", name="Save checklist").click()
    expect(page.get_by_text("Checklist saved: 6 items changed.")).to_be_visible()
    page.get_by_label("Approve at Wessex Fields hub").check()
    expect(page.get_by_label("Approved target at Wessex Fields hub")).to_have_value("40")
    fill_date(page, "recruitment_start", start)
    fill_date(page, "recruitment_end", end)
    page.get_by_label(re.compile(r"Version 1 \(draft\)")).check()
    page.get_by_role("button", name="Approve trial").click()
    expect(page.get_by_text("allocation list has been generated")).to_be_visible()
    page.get_by_role("link", name="Record the ethics approval").click()
    page.get_by_label("IRAS project ID").fill("7654321")
    page.get_by_label("REC reference").fill("26/SW/0042")
    approved = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=7)
    for part in ("Day", "Month", "Year"):
        page.get_by_role("textbox", name=part).fill(str(getattr(approved, part.lower())))
    page.get_by_role("button", name="Save ethics approval").click()
    expect(page.get_by_text("Ethics approval recorded.")).to_be_visible()
    page.get_by_role("button", name="Open recruitment").click()
    expect(page.locator(".nhsuk-summary-list").first).to_contain_text("Recruiting")
    sign_out(page, live_url)


def test_a_new_company_proposal_goes_from_draft_to_recruiting(page: Page, live_url, server_errors):
    start = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=14)
    end = start + dt.timedelta(days=365)
    proposal_url = company_proposes(page, live_url, start, end)
    researcher_requests_a_change(page, live_url)
    company_changes_and_resubmits(page, live_url, proposal_url)
    researcher_approves(page, live_url, start, end)
    page.goto(f"{live_url}/trials/")  # the public trial finder, signed out
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    assert server_errors == []
