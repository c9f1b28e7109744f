"""Issue 7 in the browser: the evaluator plans, runs, reads, and decides; the company sees it.

The evaluator writes the statistical analysis plan for the StrideSense trial in follow-up
(a bad choice is refused first), locks it, locks the data, runs the plan, reads the report
and downloads its PDF, then records the adoption decision from the evidence pack. The
company reads the decision on its results page, and the public trial page shows the
plain-English summary. Runs on SQLite and on PostgreSQL, with CSRF on.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize(
        "live_database", ["sqlite", "postgresql"], indirect=True, scope="module"
    ),
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

STRIDESENSE = "StrideSense: home strength and balance for people aged 65 and over"
SUMMARY = (
    "Thank you for taking part. People using StrideSense were faster on the walking test. "
    "The NHS in Dorset will offer it in falls services."
)


def evaluator_writes_and_locks_the_plan(page: Page, live_url: str) -> None:
    sign_in(page, live_url, "evaluator@demo.test")
    page.get_by_role("link", name="Evaluation").first.click()
    page.get_by_role("link", name=STRIDESENSE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(STRIDESENSE)
    page.get_by_role("link", name="Write the analysis plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(STRIDESENSE)
    # The usual choices are filled in; a note that is too long is refused beside its field.
    page.get_by_label("Other details of the plan (optional)").fill("x" * 5001)
    page.get_by_role("button", name="Save draft plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Notes must be 5000 characters or fewer")
    page.get_by_label("Other details of the plan (optional)").fill(
        "Primary analysis as in the protocol, version 2."
    )
    page.get_by_label("Robust (HC3 sandwich)").check()
    page.get_by_role("button", name="Save draft plan").click()
    expect(page.get_by_text("Draft plan saved.")).to_be_visible()
    page.get_by_role("button", name="Lock version 1").click()
    expect(page.get_by_text("Version 1 of the analysis plan is locked.")).to_be_visible()
    expect(page.get_by_role("button", name="Save draft plan")).to_have_count(0)


def evaluator_locks_the_data_and_runs_the_plan(page: Page) -> None:
    page.get_by_role("link", name="Back to the trial's evaluation").click()
    page.get_by_label("Note for the audit trail (optional)").fill("Last follow-up visit done.")
    page.get_by_role("button", name="Lock trial data").click()
    expect(page.get_by_text("Trial data locked.")).to_be_visible()
    page.get_by_role("button", name="Run the analysis plan").click()
    expect(page.get_by_text("Analysis run. The report is below.")).to_be_visible()
    for heading in (
        "Flow of participants (CONSORT)",
        "Baseline characteristics",
        "Primary outcome: Timed Up and Go",
        "Subgroups",
        "Representativeness",
        "Methods and software",
    ):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("primary effect"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    assert download.value.suggested_filename.endswith(".pdf")


def evaluator_records_the_decision(page: Page) -> None:
    page.get_by_role("link", name="Back to the trial's evaluation").click()
    page.get_by_role("link", name="Read the evidence pack and record the adoption decision").click()
    expect(page.get_by_text("NICE", exact=False).first).to_be_visible()
    page.get_by_label("Adopt with conditions").check()
    page.get_by_label("Reasons for the decision").fill(
        "Faster Timed Up and Go by more than the minimal important difference; few harms."
    )
    page.get_by_label("Tier C").check()
    page.get_by_label("Moderate").check()
    page.get_by_label("Summary for the public").fill(SUMMARY)
    # Conditions are missing: the decision is refused and nothing is published.
    page.get_by_role("button", name="Record and publish the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("conditions")
    page.get_by_label("Conditions of adoption").fill("Falls services for people aged 65 and over.")
    page.get_by_role("button", name="Record and publish the decision").click()
    expect(page.get_by_text("Adopt with conditions").first).to_be_visible()


def company_and_public_see_the_decision(page: Page, live_url: str) -> None:
    sign_out(page, live_url)
    sign_in(page, live_url, "company@demo.test")
    page.goto(f"{live_url}/proposals/")
    page.get_by_role("link", name=re.compile(f"Read the results.*{re.escape(STRIDESENSE)}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results: {STRIDESENSE}")
    expect(page.get_by_text("Adopt with conditions").first).to_be_visible()
    expect(page.get_by_text("Falls services for people aged 65 and over.")).to_be_visible()
    sign_out(page, live_url)
    page.goto(f"{live_url}/trials")
    page.goto(f"{live_url}/trials/1")
    expect(page.get_by_text(SUMMARY)).to_be_visible()


def test_an_evaluator_plans_runs_reads_and_decides_and_the_company_sees_it(
    page: Page, live_url, server_errors
):
    evaluator_writes_and_locks_the_plan(page, live_url)
    evaluator_locks_the_data_and_runs_the_plan(page)
    evaluator_records_the_decision(page)
    company_and_public_see_the_decision(page, live_url)
    assert server_errors == []
