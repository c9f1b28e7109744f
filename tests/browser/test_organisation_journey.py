"""A company in the browser: register, invite a colleague who joins, upload evidence.

The development outbox is switched on so the emailed links can be followed. CSRF is on.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_out
from tests.browser.test_accessibility import violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

LIVE_CONFIG = {"MAIL_OUTBOX_VISIBLE": True}
#: A minimal PDF: the header, one object and the end-of-file marker.
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def register_organisation(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/")
    page.get_by_role("link", name="Register your organisation").click()
    page.get_by_label("Organisation name").fill("Chesil Sensors Ltd")
    page.get_by_label("Companies House number (optional)").fill("1234567")
    page.get_by_label("Address", exact=True).fill("1 Beach Road\nWeymouth\nDT4 7AA")
    page.get_by_label("Contact name", exact=True).fill("Robin Chesil")
    page.get_by_label("Contact email address").fill("hello@chesil.example")
    page.get_by_label("Contact phone number").fill("01305 123456")
    page.get_by_label("Your full name").fill("Robin Chesil")
    page.get_by_label("Email address", exact=True).fill("robin@chesil.example")
    page.get_by_label("Create a password").fill("pebbles on the beach")
    page.get_by_label("Type your password again").fill("pebbles on the beach")
    page.get_by_role("button", name="Register organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chesil Sensors Ltd")
    expect(page.get_by_text("01234567")).to_be_visible()


def invite_and_accept(page: Page, live_url: str) -> None:
    page.get_by_label("Your colleague's email address").fill("kim@chesil.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to kim@chesil.example")).to_be_visible()
    sign_out(page, live_url)
    page.goto(f"{live_url}/dev/outbox")
    page.locator("a[href*='/organisations/invitations/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Chesil Sensors Ltd")
    assert violations(page) == []
    page.get_by_role("button", name="Join organisation").click()
    page.get_by_role("alert").first.wait_for()
    assert violations(page) == []
    page.get_by_label("Your full name").fill("Kim Colleague")
    page.get_by_label("Create a password").fill("another long passphrase")
    page.get_by_label("Type your password again").fill("another long passphrase")
    page.get_by_role("button", name="Join organisation").click()
    expect(page.get_by_text("Welcome to Chesil Sensors Ltd")).to_be_visible()
    expect(page.get_by_role("cell", name="Kim Colleague (you)")).to_be_visible()


def upload_evidence(page: Page, live_url: str, tmp_path) -> None:
    page.get_by_role("link", name="Products").first.click()
    page.get_by_role("button", name="Register a product").click()
    page.get_by_label("Product name").fill("Chesil gait sensor")
    page.get_by_label("Device", exact=True).check()
    page.get_by_label("Intended use").fill("Measures walking steadiness at home.")
    page.get_by_label("Prototype").check()
    page.get_by_label("Class IIa").check()
    page.get_by_role("button", name="Register product").click()
    page.get_by_role("link", name="Chesil gait sensor").click()
    study = tmp_path / "bench study.pdf"
    study.write_bytes(PDF)
    page.locator("input[type=file]").set_input_files(str(study))
    page.get_by_role("button", name="Upload file").click()
    expect(page.get_by_text("bench study.pdf uploaded")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="bench study.pdf").click()
    assert download.value.suggested_filename == "bench_study.pdf"
    with open(download.value.path(), "rb") as copy:
        assert copy.read() == PDF


def test_a_company_registers_invites_a_colleague_and_uploads_evidence(
    page: Page, live_url, server_errors, tmp_path
):
    register_organisation(page, live_url)
    invite_and_accept(page, live_url)
    upload_evidence(page, live_url, tmp_path)
    assert server_errors == []
