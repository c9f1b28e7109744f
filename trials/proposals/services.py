"""Proposal use cases for company users: draft, submit, withdraw, set targets.

The proposal is edited one step at a time (:mod:`trials.proposals.sections`);
:func:`draft_proposal` writes every section at once for seeding code and tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.lifecycle import transition
from trials.proposals.checklist import missing_for_submission
from trials.proposals.criteria import EligibilityDraft, check_eligibility, write_eligibility
from trials.proposals.models import MeasureType, Trial, TrialDesign
from trials.proposals.sample_size import SampleSize, split_evenly
from trials.proposals.section_rules import (
    MAX_SITE_TARGET,
    MAX_VISIT_WINDOW,
    ArmDraft,
    DesignDraft,
    MeasureDraft,
    VisitDraft,
    check_design,
    check_measures,
    check_visits,
    with_instrument_defaults,
)
from trials.proposals.sections import (
    AboutDraft,
    RecruitmentDraft,
    check_about,
    check_recruitment,
    new_draft,
    record_drafted,
    record_revision,
    require_editable,
    require_member,
    snapshot,
    write_design,
    write_measures,
    write_targets,
    write_visits,
)
from trials.review.versions import record_version
from trials.states import TrialStatus, roles_for

__all__ = ["MAX_SITE_TARGET", "MAX_VISIT_WINDOW", "ArmDraft", "MeasureDraft", "VisitDraft"]


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
    """Every section of a proposal at once, for seeding code and tests.

    Left out, ``arms`` means a 1:1 parallel trial of ``control_arm`` against
    ``intervention_arm``; ``visits`` a baseline and a follow-up ``follow_up_days`` later
    (with the two windows); ``measures`` the continuous primary ``outcome`` at every visit.
    What submission still needs is for :func:`~trials.proposals.checklist.missing_items`.
    """

    product_id: int
    title: str
    summary: str
    control_arm: str = ""
    intervention_arm: str = ""
    outcome: PrimaryOutcome | None = None
    #: Site id -> participants wanted there.
    site_targets: dict[int, int] | None = None
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
    design: TrialDesign = TrialDesign.PARALLEL_RCT
    arms: tuple[ArmDraft, ...] | None = None
    washout_days: int | None = None
    visits: tuple[VisitDraft, ...] | None = None
    #: Measures name no visits here (the trial's visits have no ids yet): every visit.
    measures: tuple[MeasureDraft, ...] | None = None

    def about(self) -> AboutDraft:
        return AboutDraft(
            product_id=self.product_id,
            title=self.title,
            summary=self.summary,
            aims=self.aims,
            target_population=self.target_population,
            funding=self.funding,
            ics_outcomes=self.ics_outcomes,
        )

    def design_draft(self) -> DesignDraft:
        arms = self.arms
        if arms is None:
            arms = (ArmDraft(self.control_arm, 1, True), ArmDraft(self.intervention_arm, 1))
        return DesignDraft(self.design, arms, self.washout_days)

    def visit_drafts(self) -> tuple[VisitDraft, ...]:
        if self.visits is not None:
            return self.visits
        return (
            VisitDraft("Baseline", 0, self.baseline_window_days),
            VisitDraft("Follow-up", self.follow_up_days, self.follow_up_window_days),
        )

    def measure_drafts(self) -> tuple[MeasureDraft, ...]:
        if self.measures is not None:
            return tuple(with_instrument_defaults(m) for m in self.measures)
        if self.outcome is None:
            return ()
        outcome = self.outcome
        return (
            MeasureDraft(
                name=outcome.name,
                unit=outcome.unit,
                type=MeasureType.CONTINUOUS,
                min_value=outcome.min_value,
                max_value=outcome.max_value,
                is_primary=True,
                minimal_important_difference=outcome.minimal_important_difference,
                lower_is_better=outcome.lower_is_better,
            ),
        )


class ProposalIncomplete(IllegalTransition):
    """Submission refused: ``reasons`` says, in plain words, what is still missing."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("Complete the proposal before you submit it: " + "; ".join(reasons))
        self.reasons = reasons


def draft_proposal(session: Session, *, actor: User, draft: ProposalDraft) -> Trial:
    """Create a draft trial with every section the draft gives, checked as the steps check.

    A version 1 consent form is drafted from the standard template; reviewers approve it
    with the trial.

    Raises:
        NotPermitted: the actor has no organisation.
        InvalidInput: a value breaks a rule (field names match the step forms).
    """
    if actor.organisation_id is None:
        raise NotPermitted("Your account is not linked to an organisation.")
    outcomes = check_about(session, actor, draft.about())
    design, visits, measures = draft.design_draft(), draft.visit_drafts(), draft.measure_drafts()
    check_design(design)
    check_visits(visits)
    if measures:
        check_measures(measures, set())
    recruitment = RecruitmentDraft(
        draft.site_targets or {}, draft.recruitment_start, draft.recruitment_end
    )
    if draft.site_targets is not None:
        check_recruitment(session, recruitment)
    eligibility = (
        None if draft.eligibility is None else check_eligibility(session, draft.eligibility, None)
    )
    trial = new_draft(
        actor,
        draft.about(),
        outcomes,
        recruitment_start=draft.recruitment_start,
        recruitment_end=draft.recruitment_end,
    )
    session.add(trial)
    write_design(session, trial, design)
    write_visits(session, trial, visits)
    write_measures(session, trial, measures)
    write_targets(trial, recruitment.site_targets)
    write_eligibility(trial, eligibility)
    record_drafted(session, trial, actor)
    return trial


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
    require_member(actor, trial)
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
    require_member(actor, trial)
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
        NotPermitted, IllegalTransition: as for :func:`~trials.proposals.sections.save_about`.
        InvalidInput: on ``total`` when there are no sites or a site would need more
            than :data:`MAX_SITE_TARGET`.
    """
    require_editable(actor, trial)
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
    old = snapshot(trial)
    for trial_site, share in zip(sites, shares, strict=True):
        trial_site.target = share
    session.flush()
    record_revision(session, trial, actor, old, sample_size=answer.as_dict())
    return {ts.site_id: ts.target for ts in sites}
