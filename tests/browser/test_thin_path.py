"""Each demo account walks its part of the Living Lab journey in a real browser.

A new trial goes from the company's proposal through review to a participant's consent
and the researcher's randomisation and outcome values. The demo's StrideSense trial,
already in follow-up with 200 participants, carries the evaluator's part: lock, analyse,
decide; then the company reads the decision. CSRF is on throughout.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in, sign_out
from tests.browser.proposal_steps import (
    RETURN,
    fill_about,
    fill_design,
    fill_eligibility,
    fill_primary_measure,
    fill_sites,
    fill_visits,
    save_and_continue,
)

pytestmark = [
    pytest.mark.browser,
    # The browser abandons requests (a favicon, a superseded page) and the development
    # server then drops the connection with the file still open: not an app fault.
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

TITLE = "SafeStep: an insole that warns of unsteady walking"


def company_proposes(page: Page, live_url: str) -> str:
    """company@demo.test registers a product, drafts a proposal and submits it; its URL."""
    sign_in(page, live_url, "company@demo.test")
    page.get_by_role("link", name="Products").first.click()
    page.get_by_role("button", name="Register a product").click()
    page.get_by_label("Product name").fill("SafeStep insole")
    page.get_by_label("Device", exact=True).check()
    page.get_by_label("Intended use").fill("Warns people at risk of falls when gait changes.")
    page.get_by_label("Prototype").check()
    page.get_by_label("Class I", exact=True).check()
    page.get_by_role("button", name="Register product").click()
    expect(page.get_by_role("table")).to_contain_text("SafeStep insole")

    page.goto(f"{live_url}/proposals/new")
    save_and_continue(page)  # empty: errors, nothing saved
    expect(page.get_by_role("alert")).to_contain_text("Enter the trial's title")
    assert page.title().startswith("Error:")
    fill_about(
        page,
        product="SafeStep insole",
        title=TITLE,
        summary="We want to find out whether the SafeStep insole helps people walk more steadily.",
    )
    page.get_by_role("button", name=RETURN).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#missing")).to_contain_text("Choose at least one ICS outcome")
    page.get_by_role("link", name="Edit the proposal").click()
    fill_about(
        page,
        product="SafeStep insole",
        title=TITLE,
        summary="We want to find out whether the SafeStep insole helps people walk more steadily.",
        aims="To find out whether SafeStep shortens TUG.",
        population="People aged 65 and over living at home.",
        funding="Paid for by the company.",
        ics_outcome="Older people living well",
    )
    save_and_continue(page)
    fill_design(page, [("Usual care", 1, True), ("SafeStep", 1, False)])
    save_and_continue(page)
    start = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=14)
    end = start.replace(year=start.year + 1, day=1)
    fill_sites(page, {"Wessex Fields hub": 30, "Dorchester satellite": 20}, start, end)
    save_and_continue(page)
    fill_eligibility(page, 65, 95)
    save_and_continue(page)
    fill_visits(page, [("Baseline", 0, 0), ("Week 12", 84, 7)])
    save_and_continue(page)
    fill_primary_measure(page, name="Timed Up and Go", unit="seconds", low=3, high=120)
    save_and_continue(page)  # the last step goes back to the proposal page
    expect(page.get_by_text("Nothing is missing")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".nhsuk-summary-list").first).to_contain_text("Submitted")
    url = page.url
    sign_out(page, live_url)
    return url


def other_company_is_refused(page: Page, live_url: str, proposal_url: str) -> None:
    sign_in(page, live_url, "company2@demo.test")
    response = page.goto(proposal_url)
    assert response is not None and response.status == 404
    sign_out(page, live_url)


def researcher_approves(page: Page, live_url: str) -> None:
    """researcher@demo.test (WFH) rates the checklist, approves at both sites, records the
    ethics approval and opens recruitment."""
    sign_in(page, live_url, "researcher@demo.test")
    page.get_by_role("link", name="Review queue").first.click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Take into review").click()
    page.get_by_label("Approve at Wessex Fields hub").check()
    page.get_by_label(re.compile(r"Version 1 \(draft\)")).check()
    page.get_by_role("button", name="Approve trial").click()  # checklist not rated yet
    expect(page.get_by_role("alert")).to_contain_text("Rate every item on the review checklist")
    page.get_by_role("link", name="Rate the checklist").click()
    # .all() does not wait: let the checklist page load before listing its groups.
    expect(page.get_by_role("heading", level=1)).to_have_text("Review checklist")
    for item in page.locator("main").get_by_role("group").all():
        item.get_by_label("Satisfied").check()
    page.get_by_role("button", name="Save checklist").click()
    expect(page.get_by_text("Checklist saved: 6 items changed.")).to_be_visible()
    page.get_by_role("button", name="Approve trial").click()  # no site ticked
    expect(page.get_by_role("alert")).to_contain_text("Select at least one site")
    page.get_by_label("Approve at Wessex Fields hub").check()
    page.get_by_label("Approve at Dorchester satellite").check()
    page.get_by_role("button", name="Approve trial").click()  # no consent form version
    expect(page.get_by_role("alert")).to_contain_text("Select the consent form version")
    # The recruitment dates come from the proposal; the reviewer keeps them.
    expect(page.locator("#recruitment_start-year")).not_to_have_value("")
    expect(page.locator("#recruitment_end-year")).not_to_have_value("")
    page.get_by_label("Approve at Wessex Fields hub").check()
    page.get_by_label("Approve at Dorchester satellite").check()
    page.get_by_label(re.compile(r"Version 1 \(draft\)")).check()
    page.get_by_label("Comments for the company (optional)").fill("Clear protocol.")
    page.get_by_role("button", name="Approve trial").click()
    expect(page.get_by_text("allocation list has been generated")).to_be_visible()
    page.get_by_role("link", name="Record the ethics approval").click()
    page.get_by_label("IRAS project ID").fill("1234567")
    page.get_by_label("REC reference").fill("24/SC/0123")
    page.get_by_role("textbox", name="Day").fill("1")
    page.get_by_role("textbox", name="Month").fill("3")
    page.get_by_role("textbox", name="Year").fill("2024")
    page.get_by_role("button", name="Save ethics approval").click()
    expect(page.get_by_text("Ethics approval recorded.")).to_be_visible()
    page.get_by_role("button", name="Open recruitment").click()
    expect(page.locator(".nhsuk-summary-list").first).to_contain_text("Recruiting")
    sign_out(page, live_url)


def participant_consents(page: Page, live_url: str) -> str:
    """participant@demo.test finds the new trial, consents and keeps the reference number."""
    sign_in(page, live_url, "participant@demo.test")
    page.goto(f"{live_url}/trials/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Check if you can take part").click()
    page.get_by_label(re.compile("Wessex Fields hub")).check()
    page.get_by_role("button", name="Register interest").click()
    page.get_by_role("link", name=re.compile("Read the consent form")).click()
    expect(page.get_by_role("heading", name="Consent form", level=1)).to_be_visible()
    statements = page.locator("input[type=checkbox]")
    assert statements.count() >= 5
    assert not any(statements.nth(i).is_checked() for i in range(statements.count()))
    page.get_by_role("button", name="Continue").click()  # nothing ticked or answered
    expect(page.get_by_role("alert")).to_contain_text("You must agree to this statement")
    for i in range(statements.count()):
        statements.nth(i).check()
    page.get_by_label("No, not once I have started").check()  # a wrong answer
    page.get_by_label("It is decided at random").check()
    page.get_by_role(
        "group", name="Will the company that makes the product see your name?"
    ).get_by_label("No").check()
    page.get_by_label("Wessex Fields hub").check()
    page.get_by_label("Your full name").fill("Pat Participant")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("You can stop at any time")
    page.get_by_label("Yes, at any time and without giving a reason").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before you sign")
    page.get_by_role("button", name="Sign and agree to take part").click()
    reference = page.locator("#consent-reference").inner_text()
    assert re.fullmatch(r"DLL-[0-9A-F]{8}", reference)
    page.get_by_role("link", name="My trials").first.click()
    expect(page.locator("main")).to_contain_text(TITLE)
    sign_out(page, live_url)
    return reference


def researcher_randomises_and_records(page: Page, live_url: str) -> None:
    """researcher@demo.test randomises Pat and records the baseline Timed Up and Go."""
    sign_in(page, live_url, "researcher@demo.test")
    page.get_by_role("link", name="Enrolment").first.click()
    page.get_by_role("link", name=TITLE).click()
    row = page.get_by_role("row").filter(has_text="Pat Participant")
    row.get_by_role("button", name=re.compile("Randomise")).click()
    expect(page.get_by_text(re.compile(r"randomised to (Usual care|SafeStep)"))).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Pat Participant")
    row.get_by_role("link", name=re.compile("Record values")).click()
    page.get_by_label("Baseline").check()
    page.get_by_label("Timed Up and Go (seconds)").fill("abc")
    page.get_by_role("button", name="Save value").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the value as a number, like 12.5")
    page.get_by_label("Baseline").check()
    page.get_by_label("Timed Up and Go (seconds)").fill("14.2")
    page.get_by_role("button", name="Save value").click()
    expect(page.get_by_text(re.compile("Timed Up and Go at Baseline recorded"))).to_be_visible()
    sign_out(page, live_url)


def company_sees_only_counts(page: Page, live_url: str, proposal_url: str) -> None:
    sign_in(page, live_url, "company@demo.test")
    page.goto(proposal_url)
    main = page.locator("main").inner_text()
    assert "Pat Participant" not in main
    assert not re.search(r"\b(WFH|DOR)-[0-9A-F]{6}\b", main)
    expect(page.get_by_role("table", name="Sites")).to_contain_text("Wessex Fields hub")
    sign_out(page, live_url)


STRIDESENSE = "StrideSense: home strength and balance for people aged 65 and over"


def evaluator_decides(page: Page, live_url: str) -> None:
    """evaluator@demo.test writes and locks the plan, locks StrideSense's data, runs the plan
    and records a decision from the evidence pack."""
    sign_in(page, live_url, "evaluator@demo.test")
    page.get_by_role("link", name="Evaluation").first.click()
    page.get_by_role("link", name=STRIDESENSE).click()
    page.get_by_role("link", name="Write the analysis plan").click()
    page.get_by_role("button", name="Save draft plan").click()
    page.get_by_role("button", name="Lock version 1").click()
    page.get_by_role("link", name="Back to the trial's evaluation").click()
    page.get_by_label("Note for the audit trail (optional)").fill("Last follow-up visit done.")
    page.get_by_role("button", name="Lock trial data").click()
    expect(page.get_by_text("Trial data locked")).to_be_visible()
    page.get_by_role("button", name="Run the analysis plan").click()
    expect(page.get_by_text("Analysis run. The report is below.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("95% CI")
    page.get_by_role("link", name="Back to the trial's evaluation").click()
    page.get_by_role("link", name="Read the evidence pack and record the adoption decision").click()
    page.get_by_role("button", name="Record and publish the decision").click()  # nothing chosen
    expect(page.get_by_role("alert")).to_contain_text("Give the reasons for the decision")
    page.get_by_label("Adopt with conditions").check()
    page.get_by_label("Reasons for the decision").fill(
        "Faster Timed Up and Go beyond the minimal important difference; adopt in "
        "community falls services with a 12-month audit."
    )
    page.get_by_label("Tier C").check()
    page.get_by_label("Moderate").check()
    page.get_by_label("Conditions of adoption").fill("A 12-month audit in falls services.")
    page.get_by_label("Summary for the public").fill(
        "Thank you for taking part. StrideSense helped people walk faster and more steadily."
    )
    page.get_by_role("button", name="Record and publish the decision").click()
    expect(page.get_by_text("Adoption decision recorded")).to_be_visible()
    sign_out(page, live_url)


def company_reads_the_decision(page: Page, live_url: str) -> None:
    """company@demo.test sees the decision and aggregate result, no participant identities."""
    sign_in(page, live_url, "company@demo.test")
    page.get_by_role("link", name="Our trials").first.click()
    page.get_by_role("link", name=STRIDESENSE, exact=True).click()
    page.get_by_role("link", name="Read the result and the NHS adoption decision").click()
    main = page.locator("main")
    expect(main).to_contain_text("Adopt with conditions")
    expect(main).to_contain_text("12-month audit")
    assert not re.search(r"\b(WFH|DOR)-[0-9A-F]{6}\b", main.inner_text())
    sign_out(page, live_url)


def admin_reads_the_audit_trail(page: Page, live_url: str) -> None:
    sign_in(page, live_url, "admin@demo.test")
    page.get_by_role("link", name="Audit trail").first.click()
    page.get_by_label("Action starts with (optional)").fill("decision")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table")).to_contain_text("decision.recorded")
    sign_out(page, live_url)


def test_each_demo_account_walks_its_part_of_the_path(page: Page, live_url, server_errors):
    proposal_url = company_proposes(page, live_url)
    assert re.search(r"/proposals/\d+$", proposal_url)
    other_company_is_refused(page, live_url, proposal_url)
    researcher_approves(page, live_url)
    participant_consents(page, live_url)
    researcher_randomises_and_records(page, live_url)
    company_sees_only_counts(page, live_url, proposal_url)
    evaluator_decides(page, live_url)
    company_reads_the_decision(page, live_url)
    admin_reads_the_audit_trail(page, live_url)
    assert server_errors == []
