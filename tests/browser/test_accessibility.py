"""Every page passes axe-core's WCAG 2.2 A and AA checks in chromium, errors shown too."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.conftest import sign_in, sign_out
from tests.browser.proposal_steps import (
    fill_about,
    fill_design,
    fill_primary_measure,
    save_and_continue,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

#: Demo trials: 1 StrideSense (follow-up), 2 CalmPath (recruiting), 3 CalmPath for carers,
#: 7 the decided StrideSense pilot (its analysis run is run 1).
PAGES: dict[str | None, list[str]] = {
    None: [
        "/",
        "/login",
        "/register",
        "/trials/",
        "/trials/2",
        "/trials/7",
        "/organisations/register",
    ],
    "company@demo.test": [
        "/dashboard",
        "/products/",
        "/products/new",
        "/proposals/",
        "/proposals/new",
        "/proposals/1",
        "/organisation/",
        "/organisation/details",
        "/products/1",
        "/products/1/edit",
        "/proposals/1/documents",
        "/evaluation/trials/7/results",
    ],
    "researcher@demo.test": [
        "/review/",
        "/review/?status=recruiting&age=14",
        "/review/trials/2",
        "/review/trials/2/changes",
        "/review/trials/2/checklist",
        "/review/trials/2/ethics",
        "/review/trials/2/timeline",
        "/enrolment/",
        "/enrolment/trials/1",
        "/trials/1/consent-forms",
        "/trials/1/consent-forms/reconsent-needed",
    ],
    "researcher.dor@demo.test": ["/review/trials/3", "/review/trials/3/checklist"],
    "evaluator@demo.test": [
        "/evaluation/",
        "/evaluation/trials/1",
        "/evaluation/trials/1/plan",
        "/evaluation/trials/7/plan",
        "/evaluation/runs/1",
        "/evaluation/trials/7/decision",
    ],
    "participant@demo.test": ["/trials/2/consent", "/trials/2/eligibility", "/my-trials/"],
    "admin@demo.test": ["/admin/audit/"],
}

#: Forms submitted empty, so the error summary and field errors are checked as well.
EMPTY_FORMS: dict[str | None, list[tuple[str, str]]] = {
    None: [
        ("/register", "Join the registry"),
        ("/login", "Sign in"),
        ("/organisations/register", "Register organisation"),
    ],
    "company@demo.test": [
        ("/proposals/new", "Save and continue"),
        ("/products/new", "Register product"),
        ("/organisation/", "Send invitation"),
        ("/products/1", "Upload file"),
    ],
    "participant@demo.test": [
        ("/trials/2/consent", "Continue"),
        ("/trials/2/eligibility", "Register interest"),
    ],
    "researcher.dor@demo.test": [("/review/trials/3", "Add comment")],
}


def violations(page: Page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    return [
        f"{page.url}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("account", list(PAGES))
def test_pages_pass_axe(page: Page, live_url, server_errors, account):
    found: list[str] = []
    if account:
        sign_in(page, live_url, account)
    for path in PAGES[account]:
        response = page.goto(f"{live_url}{path}")
        assert response is not None and response.status == 200, path
        found += violations(page)
    for path, button in EMPTY_FORMS.get(account, []):
        page.goto(f"{live_url}{path}")
        page.get_by_role("button", name=button).click()
        page.get_by_role("alert").first.wait_for()
        found += violations(page)
    if account:
        sign_out(page, live_url)
    assert found == []
    assert server_errors == []


def test_a_researcher_records_a_value_page_passes_axe(page: Page, live_url, server_errors):
    sign_in(page, live_url, "researcher@demo.test")
    page.goto(f"{live_url}/enrolment/trials/2")
    page.goto(f"{live_url}/enrolment/trials/1")
    page.get_by_role("link", name="Record values").first.click()
    page.get_by_role("button", name="Save value").click()
    page.get_by_role("alert").first.wait_for()
    assert violations(page) == []
    assert server_errors == []


def test_the_sample_size_page_passes_axe_with_an_answer_and_with_errors(
    page: Page, live_url, server_errors
):
    """The demo has no draft proposal, so the company drafts one to reach the calculator."""
    sign_in(page, live_url, "company@demo.test")
    page.goto(f"{live_url}/proposals/new")
    fill_about(
        page,
        product=None,
        title="Sample size check",
        summary="A draft to reach the calculator.",
    )
    save_and_continue(page)
    fill_design(page, [("Usual care", 1, True), ("Product", 1, False)])
    save_and_continue(page)
    page.get_by_label("Participants wanted at Wessex Fields hub").fill("30")
    save_and_continue(page)
    page.get_by_role("link", name="Outcome measures").click()  # skip to the last step
    fill_primary_measure(page, name="Timed Up and Go", unit="seconds", low=3, high=120)
    save_and_continue(page)
    found = violations(page)  # the proposal page with its "before you can submit" list
    page.get_by_role("link", name="Work out how many participants you need").click()
    found += violations(page)
    page.get_by_label("Standard deviation").fill("4")
    page.get_by_role("button", name="Calculate").click()
    page.get_by_role("heading", name="The answer").wait_for()
    found += violations(page)
    page.get_by_label("Standard deviation").fill("")
    page.get_by_role("button", name="Calculate").click()
    page.get_by_role("alert").first.wait_for()
    found += violations(page)
    sign_out(page, live_url)
    assert found == []
    assert server_errors == []
