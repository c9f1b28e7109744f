"""Proposal use cases for company users: draft, revise, submit, withdraw, set targets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.products.models import Product
from livinglab.sites.models import Site
from trials.consent.services import default_consent_form, refresh_draft_information_sheet
from trials.lifecycle import transition
from trials.permissions import can_edit_proposal, is_company_member
from trials.proposals.checklist import missing_for_submission
from trials.proposals.criteria import (
    CheckedEligibility,
    EligibilityDraft,
    check_eligibility,
    eligibility_snapshot,
    write_eligibility,
)
from trials.proposals.models import (
    Arm,
    IcsOutcome,
    Measure,
    MeasureType,
    Trial,
    TrialSite,
    TrialVisit,
)
from trials.proposals.sample_size import SampleSize, split_evenly
from trials.review.versions import record_version
from trials.states import TrialStatus, roles_for

MAX_SITE_TARGET = 2000
#: A visit may be this many days either side of its planned day, at most.
MAX_VISIT_WINDOW = 60


@dataclass(frozen=True)
class PrimaryOutcome:
    name: str
    unit: str
    min_value: float
    max_value: float
    minimal_important_difference: float | None = None
    lower_is_better: bool = False


@dataclass(frozen=True)
class ProposalDraft:
    """The proposal form's values. Everything after ``follow_up_days`` may be left empty
    in a draft; :func:`~trials.proposals.checklist.missing_for_submission` says what
    submission needs."""

    product_id: int
    title: str
    summary: str
    control_arm: str
    intervention_arm: str
    outcome: PrimaryOutcome
    #: Site id -> participants wanted there.
    site_targets: dict[int, int]
    follow_up_days: int = 84
    aims: str = ""
    target_population: str = ""
    funding: str = ""
    recruitment_start: dt.date | None = None
    recruitment_end: dt.date | None = None
    #: :class:`~trials.proposals.models.IcsOutcome` codes.
    ics_outcomes: tuple[str, ...] = ()
    #: ``None`` (or an empty draft) means no criteria yet.
    eligibility: EligibilityDraft | None = None
    #: Days either side of the planned day, for the baseline and the follow-up visit.
    baseline_window_days: int = 0
    follow_up_window_days: int = 0


@dataclass(frozen=True)
class _Checked:
    product: Product
    ics_outcomes: list[IcsOutcome] = field(default_factory=list)
    eligibility: CheckedEligibility | None = None


class ProposalIncomplete(IllegalTransition):
    """Submission refused: ``reasons`` says, in plain words, what is still missing."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("Complete the proposal before you submit it: " + "; ".join(reasons))
        self.reasons = reasons


def _validate(
    session: Session, actor: User, draft: ProposalDraft, trial: Trial | None = None
) -> _Checked:
    product = session.get(Product, draft.product_id)
    if product is None or product.organisation_id != actor.organisation_id:
        raise InvalidInput("product_id", "Select one of your organisation's products")
    if draft.control_arm.strip().lower() == draft.intervention_arm.strip().lower():
        raise InvalidInput("intervention_arm", "The two arms must have different names")
    if draft.outcome.min_value >= draft.outcome.max_value:
        raise InvalidInput("outcome_max", "The highest valid value must be above the lowest")
    _validate_visits(draft)
    if not draft.site_targets or not any(n > 0 for n in draft.site_targets.values()):
        raise InvalidInput("sites", "Ask for participants at one or more sites")
    if any(not 0 <= n <= MAX_SITE_TARGET for n in draft.site_targets.values()):
        raise InvalidInput("sites", f"Ask for between 0 and {MAX_SITE_TARGET} at each site")
    known = set(session.scalars(select(Site.id).where(Site.id.in_(draft.site_targets))))
    if known != set(draft.site_targets):
        raise InvalidInput("sites", "Select sites from the list")
    start, end = draft.recruitment_start, draft.recruitment_end
    if start is not None and end is not None and end <= start:
        raise InvalidInput("recruitment_end", "Recruitment end date must be after the start date")
    ics = _ics_outcomes(session, draft.ics_outcomes)
    current = trial.eligibility if trial is not None else None
    eligibility = (
        None
        if draft.eligibility is None
        else check_eligibility(session, draft.eligibility, current)
    )
    return _Checked(product, ics, eligibility)


def _validate_visits(draft: ProposalDraft) -> None:
    for name, window in (
        ("baseline_window_days", draft.baseline_window_days),
        ("follow_up_window_days", draft.follow_up_window_days),
    ):
        if not 0 <= window <= MAX_VISIT_WINDOW:
            raise InvalidInput(
                name, f"A visit window must be between 0 and {MAX_VISIT_WINDOW} days"
            )
    if draft.baseline_window_days + draft.follow_up_window_days >= draft.follow_up_days:
        raise InvalidInput(
            "follow_up_window_days",
            "The follow-up window must not overlap the baseline window: make the windows "
            "narrower or the follow-up later",
        )


def _ics_outcomes(session: Session, codes: tuple[str, ...]) -> list[IcsOutcome]:
    if not codes:
        return []
    rows = list(session.scalars(select(IcsOutcome).where(IcsOutcome.code.in_(codes))))
    if len(rows) != len(set(codes)):
        raise InvalidInput("ics_outcomes", "Select ICS outcomes from the list")
    return sorted(rows, key=lambda outcome: outcome.position)


def _apply_details(trial: Trial, draft: ProposalDraft, checked: _Checked) -> None:
    """Write the sections beyond the design: about, ICS outcomes, eligibility, windows."""
    trial.aims = draft.aims.strip()
    trial.target_population = draft.target_population.strip()
    trial.funding = draft.funding.strip()
    trial.recruitment_start = draft.recruitment_start
    trial.recruitment_end = draft.recruitment_end
    trial.ics_outcomes = checked.ics_outcomes
    write_eligibility(trial, checked.eligibility)
    for visit in trial.visits:
        visit.window_days = (
            draft.baseline_window_days if visit.is_baseline else draft.follow_up_window_days
        )


def draft_proposal(session: Session, *, actor: User, draft: ProposalDraft) -> Trial:
    """Create a draft two-arm 1:1 trial with a baseline and a follow-up visit.

    A version 1 consent form is drafted from the standard template; reviewers approve it
    with the trial.

    Raises:
        NotPermitted: the actor has no organisation.
        InvalidInput: a value breaks a rule (field names match the proposal form).
    """
    if actor.organisation_id is None:
        raise NotPermitted("Your account is not linked to an organisation.")
    checked = _validate(session, actor, draft)
    outcome = draft.outcome
    trial = Trial(
        organisation_id=actor.organisation_id,
        product_id=checked.product.id,
        title=draft.title.strip(),
        summary=draft.summary.strip(),
        created_by_id=actor.id,
        status=TrialStatus.DRAFT,
        arms=[
            Arm(name=draft.control_arm.strip(), ratio=1, is_control=True, position=0),
            Arm(name=draft.intervention_arm.strip(), ratio=1, is_control=False, position=1),
        ],
        measures=[
            Measure(
                name=outcome.name.strip(),
                unit=outcome.unit.strip(),
                type=MeasureType.CONTINUOUS,
                min_value=outcome.min_value,
                max_value=outcome.max_value,
                minimal_important_difference=outcome.minimal_important_difference,
                lower_is_better=outcome.lower_is_better,
                is_primary=True,
            )
        ],
        visits=[
            TrialVisit(code="baseline", name="Baseline", day_offset=0, is_baseline=True),
            TrialVisit(code="follow_up", name="Follow-up", day_offset=draft.follow_up_days),
        ],
        trial_sites=[
            TrialSite(site_id=site_id, target=target)
            for site_id, target in sorted(draft.site_targets.items())
            if target > 0
        ],
        eligibility=None,
    )
    _apply_details(trial, draft, checked)
    session.add(trial)
    session.flush()
    default_consent_form(session, trial)
    record(
        session,
        actor=actor,
        action="trial.drafted",
        object_type="trial",
        object_id=trial.id,
        trial_id=trial.id,
        new=_snapshot(trial),
    )
    return trial


def _snapshot(trial: Trial) -> dict:
    """The proposal's editable values, for the audit trail's old and new."""
    measure = trial.primary_measure
    follow_up = next((v for v in trial.visits if not v.is_baseline), None)
    return {
        "product_id": trial.product_id,
        "title": trial.title,
        "summary": trial.summary,
        "aims": trial.aims,
        "target_population": trial.target_population,
        "funding": trial.funding,
        "ics_outcomes": [outcome.code for outcome in trial.ics_outcomes],
        "arms": [arm.name for arm in trial.arms],
        "outcome": None
        if measure is None
        else {
            "name": measure.name,
            "unit": measure.unit,
            "min": measure.min_value,
            "max": measure.max_value,
            "mid": measure.minimal_important_difference,
            "lower_is_better": measure.lower_is_better,
        },
        "follow_up_days": follow_up.day_offset if follow_up else None,
        "visit_windows": {visit.code: visit.window_days for visit in trial.visits},
        "eligibility": eligibility_snapshot(trial.eligibility),
        "recruitment_start": trial.recruitment_start,
        "recruitment_end": trial.recruitment_end,
        "site_targets": {str(ts.site_id): ts.target for ts in trial.trial_sites},
    }


def _record_revision(session: Session, trial: Trial, actor: User, old: dict, **extra) -> None:
    new = _snapshot(trial)
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


def _require_editable(actor: User, trial: Trial) -> None:
    _require_member(actor, trial)
    if not can_edit_proposal(actor, trial):
        raise IllegalTransition("Only a draft, or a proposal sent back for changes, can be edited.")


def revise_proposal(session: Session, trial: Trial, *, actor: User, draft: ProposalDraft) -> Trial:
    """Change a draft, or a proposal sent back for changes, before (re)submitting it.

    ``trial`` must be loaded with its details (:func:`trials.queries.trial_with_details`).

    Raises:
        NotPermitted: the actor is not in the proposing organisation.
        IllegalTransition: the proposal is no longer editable.
        InvalidInput: as for :func:`draft_proposal`.
    """
    _require_editable(actor, trial)
    checked = _validate(session, actor, draft, trial)
    old = _snapshot(trial)
    trial.product_id = checked.product.id
    trial.title = draft.title.strip()
    trial.summary = draft.summary.strip()
    control = trial.control_arm
    intervention = next(arm for arm in trial.arms if not arm.is_control)
    if control is not None:
        control.name = draft.control_arm.strip()
    intervention.name = draft.intervention_arm.strip()
    measure = trial.primary_measure
    if measure is not None:
        outcome = draft.outcome
        measure.name = outcome.name.strip()
        measure.unit = outcome.unit.strip()
        measure.min_value = outcome.min_value
        measure.max_value = outcome.max_value
        measure.minimal_important_difference = outcome.minimal_important_difference
        measure.lower_is_better = outcome.lower_is_better
    for visit in trial.visits:
        if not visit.is_baseline:
            visit.day_offset = draft.follow_up_days
    _apply_targets(trial, draft.site_targets)
    _apply_details(trial, draft, checked)
    session.flush()
    refresh_draft_information_sheet(session, trial)
    _record_revision(session, trial, actor, old)
    return trial


def _apply_targets(trial: Trial, site_targets: dict[int, int]) -> None:
    wanted = {site_id: n for site_id, n in site_targets.items() if n > 0}
    existing = {ts.site_id: ts for ts in trial.trial_sites}
    for site_id, trial_site in existing.items():
        if site_id in wanted:
            trial_site.target = wanted[site_id]
        else:
            trial.trial_sites.remove(trial_site)
    for site_id in sorted(wanted.keys() - existing.keys()):
        trial.trial_sites.append(TrialSite(site_id=site_id, target=wanted[site_id]))


def _require_member(actor: User, trial: Trial) -> None:
    if not is_company_member(actor, trial):
        raise NotPermitted("Only the organisation that proposed this trial can do this.")


def submit_proposal(
    session: Session,
    trial: Trial,
    *,
    actor: User,
    reason: str | None = None,
    require_complete: bool = False,
    today: dt.date | None = None,
) -> Trial:
    """Send a draft (or a changed proposal) for review.

    With ``require_complete`` (the company's submit page) a proposal that still misses
    something on the checklist is refused. Seeding code written before the checklist
    (the demo loader, the test factories) leaves it off until it fills the new sections.

    Raises:
        NotPermitted: the actor is not in the proposing organisation.
        IllegalTransition: the proposal is not a draft or sent back for changes.
        ProposalIncomplete: ``require_complete`` and something is missing.
    """
    _require_member(actor, trial)
    if require_complete and roles_for(trial.status, TrialStatus.SUBMITTED):
        missing = missing_for_submission(trial, today or utcnow().date())
        if missing:
            raise ProposalIncomplete(missing)
    transition(session, trial, TrialStatus.SUBMITTED, actor=actor, reason=reason)
    trial.submitted_at = utcnow()
    record_version(session, trial, actor=actor)
    session.flush()
    return trial


def withdraw_proposal(session: Session, trial: Trial, *, actor: User, reason: str) -> Trial:
    """The company withdraws its proposal before recruitment opens."""
    _require_member(actor, trial)
    transition(session, trial, TrialStatus.WITHDRAWN, actor=actor, reason=reason)
    session.flush()
    return trial


def use_sample_size_as_targets(
    session: Session, trial: Trial, *, actor: User, answer: SampleSize
) -> dict[int, int]:
    """Share the calculated total across the sites the proposal asks for.

    The total is split evenly; when it does not divide exactly, the first site (in the
    proposal's site order) takes the participants left over. The calculation's
    parameters go into the audit event with the old and new targets.

    Returns:
        Site id -> the new target.

    Raises:
        NotPermitted, IllegalTransition: as for :func:`revise_proposal`.
        InvalidInput: on ``total`` when there are no sites or a site would need more
            than :data:`MAX_SITE_TARGET`.
    """
    _require_editable(actor, trial)
    sites = list(trial.trial_sites)
    if not sites:
        raise InvalidInput("total", "Ask for participants at one or more sites first")
    shares = split_evenly(answer.total, len(sites))
    if shares[0] > MAX_SITE_TARGET:
        raise InvalidInput(
            "total",
            f"That is more than {MAX_SITE_TARGET} participants at a site: ask for more "
            "sites or plan for a bigger difference",
        )
    old = _snapshot(trial)
    for trial_site, share in zip(sites, shares, strict=True):
        trial_site.target = share
    session.flush()
    _record_revision(session, trial, actor, old, sample_size=answer.as_dict())
    return {ts.site_id: ts.target for ts in sites}
