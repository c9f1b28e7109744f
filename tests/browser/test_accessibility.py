"""Every page passes axe-core's WCAG 2.2 A and AA checks in chromium, errors shown too."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.conftest import sign_in, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

#: Demo trials: 1 StrideSense (follow-up), 2 CalmPath (recruiting), 3 CalmPath for carers.
PAGES: dict[str | None, list[str]] = {
    None: ["/", "/login", "/register", "/trials/", "/trials/2"],
    "company@demo.test": [
        "/dashboard",
        "/products/",
        "/products/new",
        "/proposals/",
        "/proposals/new",
        "/proposals/1",
    ],
    "researcher@demo.test": ["/review/", "/review/trials/2", "/enrolment/", "/enrolment/trials/1"],
    "researcher.dor@demo.test": ["/review/trials/3"],
    "evaluator@demo.test": ["/evaluation/", "/evaluation/trials/1"],
    "participant@demo.test": ["/trials/2/consent", "/my-trials/"],
    "admin@demo.test": ["/admin/audit/"],
}

#: Forms submitted empty, so the error summary and field errors are checked as well.
EMPTY_FORMS: dict[str | None, list[tuple[str, str]]] = {
    None: [("/register", "Join the registry"), ("/login", "Sign in")],
    "company@demo.test": [("/proposals/new", "Save draft"), ("/products/new", "Register product")],
    "participant@demo.test": [("/trials/2/consent", "Continue")],
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
