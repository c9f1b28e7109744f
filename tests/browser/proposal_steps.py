"""Browser helpers: fill in each step of the company's proposal form as a user would.

Each helper fills one step's page and leaves the clicking of "Save and continue" (or
"Save and return to the proposal") to the caller, so tests can check what follows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from playwright.sync_api import Page

CONTINUE = "Save and continue"
RETURN = "Save and return to the proposal"


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name=CONTINUE).click()


def fill_about(
    page: Page,
    *,
    product: str | None,
    title: str,
    summary: str,
    aims: str = "",
    population: str = "",
    funding: str = "",
    ics_outcome: str | None = None,
) -> None:
    """``product`` is the product's name, or ``None`` for the first in the list."""
    choose = page.get_by_label("Product to test")
    if product:
        choose.select_option(label=product)
    else:
        choose.select_option(index=1)
    page.get_by_label("Trial title").fill(title)
    page.get_by_label("Summary for residents").fill(summary)
    page.get_by_label("Aims", exact=True).fill(aims)
    page.get_by_label("Who the trial is for").fill(population)
    page.get_by_label("Funding", exact=True).fill(funding)
    if ics_outcome:
        page.get_by_label(ics_outcome).check()


def fill_design(page: Page, arms: Sequence[tuple[str, int, bool]]) -> None:
    """A parallel RCT with ``arms`` as (name, allocation ratio, is the control arm)."""
    page.get_by_label("Parallel randomised controlled trial").check()
    for number, (name, ratio, control) in enumerate(arms, start=1):
        arm = page.get_by_role("group", name=f"Arm {number}")
        arm.get_by_label("Name", exact=True).fill(name)
        arm.get_by_label("Allocation ratio").fill(str(ratio))
        if control:
            arm.get_by_label("This is the control arm").check()


def fill_date(page: Page, name: str, day: dt.date) -> None:
    for part in ("day", "month", "year"):
        page.locator(f"#{name}-{part}").fill(str(getattr(day, part)))


def fill_sites(page: Page, targets: dict[str, int], start: dt.date, end: dt.date) -> None:
    """Participants wanted at each named site, and the recruitment window."""
    for site, target in targets.items():
        page.get_by_label(f"Participants wanted at {site}").fill(str(target))
    fill_date(page, "recruitment_start", start)
    fill_date(page, "recruitment_end", end)


def fill_eligibility(page: Page, youngest: int, oldest: int) -> None:
    page.get_by_label("Youngest age").fill(str(youngest))
    page.get_by_label("Oldest age").fill(str(oldest))


def fill_visits(page: Page, visits: Sequence[tuple[str, int, int]]) -> None:
    """(name, day, window in days) per visit; the first is the baseline, on day 0."""
    for number, (name, day, window) in enumerate(visits, start=1):
        legend = "Baseline visit" if number == 1 else f"Visit {number} (optional)"
        visit = page.get_by_role("group", name=legend, exact=True)
        visit.get_by_label("Name", exact=True).fill(name)
        visit.get_by_label("Day", exact=True).fill(str(day))
        visit.get_by_label("Window (± days)").fill(str(window))


def fill_primary_measure(
    page: Page, *, name: str, unit: str, low: float, high: float, visits: Sequence[str] = ()
) -> None:
    """Measure 1 as the primary outcome, lower is better, taken at ``visits`` (labels)."""
    measure = page.get_by_role("group", name="Measure 1", exact=True)
    measure.get_by_label("Name", exact=True).fill(name)
    measure.get_by_label("Unit", exact=True).fill(unit)
    measure.get_by_label("Lowest valid value").fill(str(low))
    measure.get_by_label("Highest valid value").fill(str(high))
    measure.get_by_label("Minimal important difference (optional)").fill("1.5")
    measure.get_by_label("This is the primary outcome").check()
    measure.get_by_label("A lower value is better").check()
    for visit in visits:
        measure.get_by_label(visit).check()
