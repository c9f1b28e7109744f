"""Issue 6 in the browser: research staff run a cohort day to day.

The researcher at Wessex Fields hub screens the registry for CalmPath and invites Pat, who
is held by another trial (JointWise), so the invitation needs a reason. Pat says she is
interested and consents. The researcher randomises her, records her follow-up visit and
its value, reports an adverse event, imports a CSV of values (a bad file is refused whole
first), and watches recruitment and representativeness.

Runs on SQLite and on PostgreSQL. CSRF is on throughout.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in, sign_out
from tests.browser.consent_steps import answer_the_standard_form

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize(
        "live_database", ["sqlite", "postgresql"], indirect=True, scope="module"
    ),
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

CALMPATH = "CalmPath: guided self-help for low mood"
STRIDESENSE = "StrideSense: home strength and balance for people aged 65 and over"
PAT = "participant@demo.test"
OVERRIDE = (
    "Pat only consented to JointWise this week; both teams agreed she may hear about CalmPath."
)
FUNNEL = "Volunteers by criterion"
INVITATIONS = "Invitations by answer"
OPTED_IN = "Opted in to the registry and not yet enrolled in this trial"


def pats_reference(database_url: str) -> str:
    """Pat's registry reference as the screening list shows it (R- and her registry id)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            participant_id = connection.execute(
                sa.text(
                    "SELECT participants.id FROM participants "
                    "JOIN users ON users.id = participants.user_id WHERE users.email = :email"
                ),
                {"email": PAT},
            ).scalar_one()
    finally:
        engine.dispose()
    return f"R-{participant_id:06d}"


def count_in(page: Page, caption: str, row_label: str) -> int:
    """The number in the last cell of the row starting ``row_label`` in the captioned table."""
    row = (
        page.get_by_role("table", name=caption)
        .get_by_role("row")
        .filter(has=page.get_by_role("cell", name=row_label, exact=True))
    )
    expect(row).to_have_count(1)
    return int(row.get_by_role("cell").last.inner_text().replace(",", ""))


def open_calmpath(page: Page) -> None:
    page.get_by_role("link", name="Enrolment").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enrolment")
    page.get_by_role("link", name=CALMPATH).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CALMPATH)


def researcher_screens_and_invites_pat(
    page: Page, live_url: str, reference: str
) -> tuple[int, int]:
    """Screen CalmPath's registry, see the funnel, invite Pat: refused without a reason.

    Returns how many volunteers the funnel counted as not yet approached, and how many
    invitations were answered "interested", before Pat's.
    """
    sign_in(page, live_url, "researcher@demo.test")
    open_calmpath(page)
    page.get_by_role("link", name="Screen the registry for this trial").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Screen the registry")
    funnel = page.get_by_role("table", name=FUNNEL)
    for criterion in ("Opted in to the registry", "aged 18 to 95", "has a smartphone"):
        expect(funnel).to_contain_text(criterion)
    # Opted in, then age, smartphone and no dementia: each row narrows the one above.
    expect(funnel.locator("tbody tr")).to_have_count(4)
    counts = [
        int(n.replace(",", "")) for n in funnel.locator("tbody td:last-child").all_inner_texts()
    ]
    assert counts == sorted(counts, reverse=True) and counts[-1] >= 1, counts
    not_approached = count_in(page, FUNNEL, OPTED_IN)
    waiting = count_in(page, INVITATIONS, "Waiting for an answer")
    interested = count_in(page, INVITATIONS, "Interested")
    pats_row = page.get_by_role("row").filter(has_text=reference)
    expect(pats_row).to_contain_text("Taking part in another trial")

    page.get_by_label(f"Invite {reference}").check()
    page.get_by_label("Wessex Fields hub").check()
    page.get_by_role("button", name="Invite selected volunteers").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"{reference} already invited to or taking part in another trial"
    )
    expect(page.locator("#override_reason-error")).to_contain_text("give a reason")
    assert count_in(page, INVITATIONS, "Waiting for an answer") == waiting  # nothing sent

    page.get_by_label(f"Invite {reference}").check()
    page.get_by_label("Wessex Fields hub").check()
    page.get_by_label("Reason to invite people already invited").fill(OVERRIDE)
    page.get_by_role("button", name="Invite selected volunteers").click()
    expect(page.get_by_text("1 volunteer invited and emailed.")).to_be_visible()
    assert count_in(page, INVITATIONS, "Waiting for an answer") == waiting + 1
    # Invited is not yet approached: she counts until she answers, but cannot be picked again.
    assert count_in(page, FUNNEL, OPTED_IN) == not_approached
    expect(pats_row).to_contain_text("Invited (this trial)")
    expect(page.get_by_label(f"Invite {reference}")).to_have_count(0)
    sign_out(page, live_url)
    return not_approached, interested


def pat_says_yes_and_consents(page: Page, live_url: str) -> None:
    sign_in(page, live_url, PAT)
    page.goto(f"{live_url}/my-trials/invitations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations to trials")
    expect(page.get_by_role("heading", name=CALMPATH)).to_be_visible()
    page.get_by_role("button", name=f"I am interested in {CALMPATH}").click()
    expect(page.get_by_text(f"You have registered interest in {CALMPATH}")).to_be_visible()

    page.get_by_role("link", name=f"Read the consent form for {CALMPATH}").click()
    expect(page.get_by_role("heading", name="Consent form", level=1)).to_be_visible()
    answer_the_standard_form(page, "Pat Participant")
    page.get_by_label("Wessex Fields hub").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Sign and agree to take part").click()
    expect(page.locator("#consent-reference")).to_have_text(re.compile(r"DLL-[0-9A-F]{8}"))
    sign_out(page, live_url)


def researcher_randomises_pat(
    page: Page, live_url: str, reference: str, before: tuple[int, int]
) -> str:
    """Pat, now interested, has left the screening list; randomise her. Her trial code."""
    sign_in(page, live_url, "researcher@demo.test")
    open_calmpath(page)
    page.get_by_role("link", name="Screen the registry for this trial").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Screen the registry")
    not_approached, interested = before
    assert count_in(page, FUNNEL, OPTED_IN) == not_approached - 1
    assert count_in(page, INVITATIONS, "Interested") == interested + 1
    expect(page.get_by_role("row").filter(has_text=reference)).to_have_count(0)
    page.get_by_role("link", name="Back to the trial").click()
    pats_row = page.get_by_role("row").filter(has_text="Pat Participant")
    expect(pats_row).to_contain_text("Consented")
    code = pats_row.get_by_role("link").first.inner_text().strip()
    assert re.fullmatch(r"WFH-[0-9A-F]+", code), code
    pats_row.get_by_role("button", name=f"Randomise {code}").click()
    expect(
        page.get_by_text(re.compile(rf"{code} randomised to (CalmPath app|Information leaflet)\."))
    ).to_be_visible()
    expect(pats_row).to_contain_text("Randomised")
    return code


def fill_today(page: Page, field: str) -> None:
    today = dt.datetime.now(dt.UTC).date()
    for part in ("day", "month", "year"):
        page.locator(f"#{field}-{part}").fill(str(getattr(today, part)))


def researcher_records_the_follow_up_visit(page: Page, code: str) -> None:
    """Follow-up attended today, then WEMWBS: out of range refused with the range, then saved.

    (The baseline happens before randomisation, so only the follow-up is scheduled.)
    """
    page.get_by_role("link", name=code, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(code)
    expect(page.get_by_role("row").filter(has_text="Follow-up")).to_contain_text("Scheduled")
    page.get_by_role("link", name="Record visit Follow-up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Follow-up for {code}")
    fill_today(page, "attended_on")
    page.get_by_role("button", name="Save and record values").click()
    expect(page.get_by_text(f"Follow-up attended by {code}.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record WEMWBS score")
    expect(page.get_by_label("Follow-up")).to_be_checked()

    page.get_by_label("WEMWBS score (points)").fill("99")
    page.get_by_role("button", name="Save value").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "WEMWBS score must be between 14 and 70 points"
    )
    expect(page.get_by_label("Follow-up")).to_be_checked()
    page.get_by_label("WEMWBS score (points)").fill("52")
    page.get_by_role("button", name="Save value").click()
    expect(page.get_by_text(f"WEMWBS score at Follow-up recorded for {code}.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=code)).to_contain_text("52")

    page.get_by_role("link", name=code, exact=True).click()
    expect(page.get_by_role("row").filter(has_text="Follow-up").first).to_contain_text("Attended")
    expect(page.get_by_role("definition").filter(has_text="Active")).to_be_visible()


def researcher_reports_an_adverse_event(page: Page, code: str) -> None:
    """A serious adverse event: the trial's staff are emailed and the list flags it."""
    page.get_by_role("link", name="Report an adverse event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report an adverse event")
    page.get_by_label("What happened").fill(
        "Admitted overnight after a fall at home; discharged the next morning."
    )
    page.get_by_role("group", name="Is it a serious adverse event?").get_by_label("Yes").check()
    page.get_by_label("Hospitalisation, or a longer hospital stay").check()
    page.get_by_label("Moderate").check()
    page.get_by_label("Unlikely").check()
    page.get_by_label("Recovered", exact=True).check()
    fill_today(page, "onset_on")
    page.get_by_role("button", name="Report adverse event").click()
    expect(
        page.get_by_text(
            f"Adverse event reported for {code}. Research staff at the trial's sites have "
            "been emailed."
        )
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adverse events")
    serious = re.compile(r"[1-9]\d* serious adverse events?$")
    expect(page.get_by_role("heading", name=serious)).to_be_visible()
    event = page.get_by_role("row").filter(has_text=code)
    expect(event).to_contain_text("Serious: Hospitalisation")
    page.get_by_role("link", name="Back to participants").click()


def write_csv(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(["participant,visit,measure,value", *lines]) + "\n", "utf-8")
    return path


def upload(page: Page, path: Path) -> None:
    # NHS.UK's file upload script hides the input behind a "Choose file" button, named
    # "<label>, <status> Choose file or drop file"; waiting for that name waits for it.
    name = re.compile(r"^Observations file \(CSV\)\W.*Choose file")
    choose = page.get_by_role("button", name=name)
    with page.expect_file_chooser() as chooser:
        choose.click()
    chooser.value.set_files(path)
    expect(page.locator("main")).to_contain_text(path.name)
    page.get_by_role("button", name="Import values").click()


def researcher_imports_values(page: Page, code: str, folder: Path) -> None:
    """A file with bad lines is refused whole, every bad line listed; then a good one."""
    open_calmpath(page)
    page.get_by_role("link", name="Import outcome values from a CSV file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import outcome values")
    bad = write_csv(
        folder,
        "bad.csv",
        [
            f"{code},Baseline,PHQ-9 depression score,6",
            f"{code},Follow-up,PHQ-9 depression score,30",
            "WFH-NOBODY,Baseline,WEMWBS score,50",
        ],
    )
    upload(page, bad)
    expect(page.get_by_role("alert")).to_contain_text(
        "2 line(s) of the file have problems. Nothing was imported"
    )
    problems = page.get_by_role("table", name="Lines with problems")
    expect(problems).to_contain_text("PHQ-9 depression score must be between 0 and 27 points")
    expect(problems).to_contain_text("No participant with the code 'WFH-NOBODY'")
    expect(problems.locator("tbody tr")).to_have_count(2)
    expect(problems.locator("tbody tr td:first-child")).to_have_text(["3", "4"])

    page.get_by_role("link", name="Back to the trial").click()
    page.get_by_role("link", name=code, exact=True).click()
    values = page.get_by_role("table").filter(has_text="Source")
    expect(values.locator("tbody tr")).to_have_count(1)  # only the follow-up WEMWBS
    expect(values).not_to_contain_text("PHQ-9")

    page.get_by_role("link", name="Back to participants").click()
    page.get_by_role("link", name="Import outcome values from a CSV file").click()
    good = write_csv(
        folder,
        "good.csv",
        [
            f"{code},Follow-up,WEMWBS score,52",  # already recorded by hand: skipped
            f"{code},Baseline,WEMWBS score,45.5",
            f"{code},Baseline,PHQ-9 depression score,6",
        ],
    )
    upload(page, good)
    expect(page.get_by_text("Imported 2 values; 1 were already recorded.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=code)).to_contain_text("45.5")
    page.get_by_role("link", name=code, exact=True).click()
    values = page.get_by_role("table").filter(has_text="Source")
    expect(values.locator("tbody tr")).to_have_count(3)
    expect(values.get_by_role("row").filter(has_text="PHQ-9")).to_contain_text("Import")
    page.get_by_role("link", name="Back to participants").click()


def researcher_watches_recruitment(page: Page, live_url: str) -> None:
    """CalmPath's recruitment chart; StrideSense, with 100 participants at the hub, is
    compared with Dorset's population in tables and a chart."""
    page.get_by_role("link", name="Recruitment and representativeness").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recruitment and representativeness")
    expect(page.locator("main")).to_contain_text(re.compile(r"[1-9][\d,]* of [\d,]+ randomised"))
    chart = page.get_by_role("img", name=re.compile("Line chart of participants randomised"))
    expect(chart).to_be_visible()
    funnel = page.get_by_role("table").filter(has_text="Consent rate")
    expect(funnel.get_by_role("row").filter(has_text="Wessex Fields hub")).to_be_visible()
    expect(page.get_by_role("heading", name="Who is taking part, against Dorset")).to_be_visible()
    for dimension in ("Age band", "Sex", "Deprivation quintile", "Ethnic group"):
        expect(page.locator("main")).to_contain_text(dimension)

    open_stridesense_monitoring(page)
    bars = page.get_by_role("img", name=re.compile("Bar charts comparing the share"))
    expect(bars).to_be_visible()
    for dimension in ("Age band", "Sex", "Deprivation quintile"):
        table = page.get_by_role("table", name=re.compile(f"^{dimension}"))
        expect(table).to_be_visible()
        expect(table.get_by_role("columnheader", name="Dorset")).to_be_visible()


def open_stridesense_monitoring(page: Page) -> None:
    page.get_by_role("link", name="Enrolment").first.click()
    page.get_by_role("link", name=STRIDESENSE).click()
    page.get_by_role("link", name="Recruitment and representativeness").click()
    expect(page.locator(".nhsuk-caption-l")).to_have_text(STRIDESENSE)


def test_a_researcher_screens_invites_enrols_randomises_follows_up_and_monitors(
    page: Page, live_url, live_database_url, server_errors, tmp_path
):
    reference = pats_reference(live_database_url)
    before = researcher_screens_and_invites_pat(page, live_url, reference)
    pat_says_yes_and_consents(page, live_url)
    code = researcher_randomises_pat(page, live_url, reference, before)
    researcher_records_the_follow_up_visit(page, code)
    researcher_reports_an_adverse_event(page, code)
    researcher_imports_values(page, code, tmp_path)
    researcher_watches_recruitment(page, live_url)
    assert server_errors == []
