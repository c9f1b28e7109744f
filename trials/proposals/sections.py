"""Saving the proposal one step at a time: about, design, sites, eligibility, visits, measures.

Each ``save_*`` service checks the actor may edit the proposal, checks the values
(:mod:`trials.proposals.section_rules`), writes them and records a ``trial.revised`` audit
event with the old and new values, all in the caller's transaction. ``trial`` must be
loaded with :func:`trials.queries.trial_with_details`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.products.models import Product
from livinglab.sites.models import Site
from trials.consent.services import default_consent_form, refresh_draft_information_sheet
from trials.permissions import can_edit_proposal, is_company_member
from trials.proposals.criteria import (
    EligibilityDraft,
    check_eligibility,
    eligibility_snapshot,
    write_eligibility,
)
from trials.proposals.models import Arm, IcsOutcome, Measure, Trial, TrialSite, TrialVisit
from trials.proposals.section_rules import (
    MAX_SITE_TARGET,
    DesignDraft,
    MeasureDraft,
    VisitDraft,
    check_design,
    check_measures,
    check_visits,
    same_name,
    visit_code,
    with_instrument_defaults,
)
from trials.states import TrialStatus


@dataclass(frozen=True)
class AboutDraft:
    product_id: int
    title: str
    summary: str
    aims: str = ""
    target_population: str = ""
    funding: str = ""
    #: :class:`~trials.proposals.models.IcsOutcome` codes.
    ics_outcomes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecruitmentDraft:
    #: Site id -> participants wanted there (0 = not at this site).
    site_targets: dict[int, int]
    recruitment_start: dt.date | None = None
    recruitment_end: dt.date | None = None


# --- checks that need the database ---------------------------------------------------


def check_about(session: Session, actor: User, about: AboutDraft) -> list[IcsOutcome]:
    """Raises ``InvalidInput`` on ``product_id`` or ``ics_outcomes``; returns the outcomes."""
    product = session.get(Product, about.product_id)
    if product is None or product.organisation_id != actor.organisation_id:
        raise InvalidInput("product_id", "Select one of your organisation's products")
    if not about.title.strip():
        raise InvalidInput("title", "Enter the trial's title")
    if not about.summary.strip():
        raise InvalidInput("summary", "Enter a summary for residents")
    if not about.ics_outcomes:
        return []
    codes = set(about.ics_outcomes)
    rows = list(session.scalars(select(IcsOutcome).where(IcsOutcome.code.in_(codes))))
    if len(rows) != len(codes):
        raise InvalidInput("ics_outcomes", "Select ICS outcomes from the list")
    return sorted(rows, key=lambda outcome: outcome.position)


def check_recruitment(session: Session, draft: RecruitmentDraft) -> None:
    """Raises ``InvalidInput`` on ``sites`` or ``recruitment_end``."""
    targets = draft.site_targets
    if not any(n > 0 for n in targets.values()):
        raise InvalidInput("sites", "Ask for participants at one or more sites")
    if any(not 0 <= n <= MAX_SITE_TARGET for n in targets.values()):
        raise InvalidInput("sites", f"Ask for between 0 and {MAX_SITE_TARGET} at each site")
    known = set(session.scalars(select(Site.id).where(Site.id.in_(targets))))
    if known != set(targets):
        raise InvalidInput("sites", "Select sites from the list")
    start, end = draft.recruitment_start, draft.recruitment_end
    if start is not None and end is not None and end <= start:
        raise InvalidInput("recruitment_end", "Recruitment end date must be after the start date")


# --- writers -------------------------------------------------------------------------


def _sync(
    existing: list[Any], drafts: Sequence[Any], name: Callable[[Any], str]
) -> tuple[list[Any | None], list[Any]]:
    """Pair each draft with the existing row of the same name, else with a spare row.

    Returns the row for each draft (``None`` = make a new one) and the rows left over.
    Rows keep their ids when their name stays, so links to them survive an edit.
    """
    spare = list(existing)
    paired: list[Any | None] = []
    for draft in drafts:
        match = next((row for row in spare if same_name(row.name, name(draft))), None)
        if match is not None:
            spare.remove(match)
        paired.append(match)
    for index, row in enumerate(paired):
        if row is None and spare:
            paired[index] = spare.pop(0)
    return paired, spare


def write_about(trial: Trial, about: AboutDraft, outcomes: list[IcsOutcome]) -> None:
    trial.product_id = about.product_id
    trial.title = about.title.strip()
    trial.summary = about.summary.strip()
    trial.aims = about.aims.strip()
    trial.target_population = about.target_population.strip()
    trial.funding = about.funding.strip()
    trial.ics_outcomes = outcomes


def write_design(session: Session, trial: Trial, draft: DesignDraft) -> None:
    trial.design = draft.design
    trial.washout_days = draft.washout_days if draft.design.value == "crossover" else None
    rows, spare = _sync(list(trial.arms), draft.arms, lambda arm: arm.name)
    for row in spare:
        trial.arms.remove(row)
    session.flush()  # free the names of removed arms before others take them
    arms = []
    for position, (row, arm) in enumerate(zip(rows, draft.arms, strict=True)):
        row = row or Arm()
        row.name, row.description = arm.name.strip(), arm.description.strip()
        row.ratio, row.is_control, row.position = arm.ratio, arm.is_control, position
        arms.append(row)
    trial.arms = arms


def write_visits(session: Session, trial: Trial, visits: Sequence[VisitDraft]) -> None:
    rows, spare = _sync(list(trial.visits), visits, lambda visit: visit.name)
    for row in spare:
        for measure in trial.measures:
            if row in measure.visits:
                measure.visits.remove(row)
        trial.visits.remove(row)
    session.flush()
    taken: set[str] = set()
    kept = []
    for index, (row, visit) in enumerate(zip(rows, visits, strict=True)):
        row = row or TrialVisit()
        row.name, row.day_offset = visit.name.strip(), visit.day_offset
        row.window_days, row.is_baseline = visit.window_days, index == 0
        if row.code is None or row.code in taken or index == 0:
            row.code = "baseline" if index == 0 else visit_code(row.name, taken | {"baseline"})
        taken.add(row.code)
        kept.append(row)
    trial.visits = kept


def write_measures(session: Session, trial: Trial, measures: Sequence[MeasureDraft]) -> None:
    visits = {visit.id: visit for visit in trial.visits}
    rows, spare = _sync(list(trial.measures), measures, lambda measure: measure.name)
    for row in spare:
        trial.measures.remove(row)
    session.flush()
    kept = []
    for row, measure in zip(rows, measures, strict=True):
        row = row or Measure(visits=[])
        row.name, row.unit, row.type = measure.name.strip(), measure.unit.strip(), measure.type
        row.min_value, row.max_value = measure.min_value, measure.max_value
        row.is_primary, row.lower_is_better = measure.is_primary, measure.lower_is_better
        row.minimal_important_difference = measure.minimal_important_difference
        row.instrument = measure.instrument
        row.visits = [visits[i] for i in measure.visit_ids]
        kept.append(row)
    trial.measures = kept


def write_targets(trial: Trial, site_targets: dict[int, int]) -> None:
    wanted = {site_id: n for site_id, n in site_targets.items() if n > 0}
    existing = {ts.site_id: ts for ts in trial.trial_sites}
    for site_id, trial_site in existing.items():
        if site_id in wanted:
            trial_site.target = wanted[site_id]
        else:
            trial.trial_sites.remove(trial_site)
    for site_id in sorted(wanted.keys() - existing.keys()):
        trial.trial_sites.append(TrialSite(site_id=site_id, target=wanted[site_id]))


# --- audit ---------------------------------------------------------------------------


def snapshot(trial: Trial) -> dict:
    """The proposal's editable values as plain data, for the audit trail's old and new."""
    return {
        "product_id": trial.product_id,
        "title": trial.title,
        "summary": trial.summary,
        "aims": trial.aims,
        "target_population": trial.target_population,
        "funding": trial.funding,
        "ics_outcomes": [outcome.code for outcome in trial.ics_outcomes],
        "design": trial.design.value if trial.design else None,
        "washout_days": trial.washout_days,
        "arms": [
            {"name": arm.name, "ratio": arm.ratio, "control": arm.is_control} for arm in trial.arms
        ],
        "visits": [
            {"name": v.name, "code": v.code, "day": v.day_offset, "window": v.window_days}
            for v in trial.visits
        ],
        "measures": [
            {
                "name": m.name,
                "unit": m.unit,
                "type": m.type.value,
                "min": m.min_value,
                "max": m.max_value,
                "primary": m.is_primary,
                "mid": m.minimal_important_difference,
                "lower_is_better": m.lower_is_better,
                "instrument": m.instrument,
                "visits": [visit.name for visit in m.visits],
            }
            for m in trial.measures
        ],
        "eligibility": eligibility_snapshot(trial.eligibility),
        "recruitment_start": trial.recruitment_start,
        "recruitment_end": trial.recruitment_end,
        "site_targets": {str(ts.site_id): ts.target for ts in trial.trial_sites},
    }


def record_revision(session: Session, trial: Trial, actor: User, old: dict, **extra) -> None:
    """Audit the change from ``old`` (a :func:`snapshot`) to the trial as it is now."""
    session.flush()
    new = snapshot(trial)
    record(
        session,
        actor=actor,
        action="trial.revised",
        object_type="trial",
        object_id=trial.id,
        trial_id=trial.id,
        old={k: v for k, v in old.items() if new[k] != v},
        new={**{k: v for k, v in new.items() if old[k] != v}, **extra},
    )


def require_member(actor: User, trial: Trial) -> None:
    if not is_company_member(actor, trial):
        raise NotPermitted("Only the organisation that proposed this trial can do this.")


def require_editable(actor: User, trial: Trial) -> None:
    require_member(actor, trial)
    if not can_edit_proposal(actor, trial):
        raise IllegalTransition("Only a draft, or a proposal sent back for changes, can be edited.")


# --- the step services -----------------------------------------------------------------


def new_draft(actor: User, about: AboutDraft, outcomes: list[IcsOutcome], **columns) -> Trial:
    """An empty draft of ``actor``'s organisation holding step 1; add it, then
    :func:`record_drafted` once the rest is written."""
    trial = Trial(
        organisation_id=actor.organisation_id,
        created_by_id=actor.id,
        status=TrialStatus.DRAFT,
        arms=[],
        measures=[],
        visits=[],
        trial_sites=[],
        eligibility=None,
        **columns,
    )
    write_about(trial, about, outcomes)
    return trial


def record_drafted(session: Session, trial: Trial, actor: User) -> None:
    """Draft version 1 of the consent form from the standard template and audit the draft."""
    session.flush()
    default_consent_form(session, trial)
    record(
        session,
        actor=actor,
        action="trial.drafted",
        object_type="trial",
        object_id=trial.id,
        trial_id=trial.id,
        new=snapshot(trial),
    )


def start_proposal(session: Session, *, actor: User, about: AboutDraft) -> Trial:
    """Create a draft from the first step; the design, sites and the rest come later.

    A version 1 consent form is drafted from the standard template.

    Raises:
        NotPermitted: the actor has no organisation.
        InvalidInput: on ``product_id``, ``title``, ``summary`` or ``ics_outcomes``.
    """
    if actor.organisation_id is None:
        raise NotPermitted("Your account is not linked to an organisation.")
    trial = new_draft(actor, about, check_about(session, actor, about))
    session.add(trial)
    record_drafted(session, trial, actor)
    return trial


def _revise(session: Session, trial: Trial, actor: User, change: Callable[[], None]) -> Trial:
    require_editable(actor, trial)
    old = snapshot(trial)
    change()
    session.flush()
    refresh_draft_information_sheet(session, trial)
    record_revision(session, trial, actor, old)
    return trial


def save_about(session: Session, trial: Trial, *, actor: User, draft: AboutDraft) -> Trial:
    """Step 1. Raises ``InvalidInput`` as :func:`start_proposal`, and as :func:`_revise`."""
    require_editable(actor, trial)
    outcomes = check_about(session, actor, draft)
    return _revise(session, trial, actor, lambda: write_about(trial, draft, outcomes))


def save_design(session: Session, trial: Trial, *, actor: User, draft: DesignDraft) -> Trial:
    """Step 2: the design and its arms. Raises ``InvalidInput`` (see :func:`check_design`),
    ``NotPermitted`` (not the proposer) or ``IllegalTransition`` (no longer editable)."""
    require_editable(actor, trial)
    check_design(draft)
    return _revise(session, trial, actor, lambda: write_design(session, trial, draft))


def save_recruitment(
    session: Session, trial: Trial, *, actor: User, draft: RecruitmentDraft
) -> Trial:
    """Step 3: participants wanted per site and the recruitment window."""
    require_editable(actor, trial)
    check_recruitment(session, draft)

    def change() -> None:
        write_targets(trial, draft.site_targets)
        trial.recruitment_start = draft.recruitment_start
        trial.recruitment_end = draft.recruitment_end

    return _revise(session, trial, actor, change)


def save_eligibility(
    session: Session, trial: Trial, *, actor: User, draft: EligibilityDraft
) -> Trial:
    """Step 4: who can take part (see :func:`trials.proposals.criteria.check_eligibility`)."""
    require_editable(actor, trial)
    checked = check_eligibility(session, draft, trial.eligibility)
    return _revise(session, trial, actor, lambda: write_eligibility(trial, checked))


def save_visits(
    session: Session, trial: Trial, *, actor: User, draft: Sequence[VisitDraft]
) -> Trial:
    """Step 5: the visit schedule, baseline first (see :func:`check_visits`)."""
    require_editable(actor, trial)
    check_visits(draft)
    return _revise(session, trial, actor, lambda: write_visits(session, trial, draft))


def save_measures(
    session: Session, trial: Trial, *, actor: User, draft: Sequence[MeasureDraft]
) -> Trial:
    """Step 6: outcome measures, exactly one primary (see :func:`check_measures`)."""
    require_editable(actor, trial)
    measures = [with_instrument_defaults(measure) for measure in draft]
    check_measures(measures, {visit.id for visit in trial.visits})
    return _revise(session, trial, actor, lambda: write_measures(session, trial, measures))
