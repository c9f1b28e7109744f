"""Review use cases for research staff: take into review, approve, request changes, reject."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.db import utcnow
from livinglab.errors import InvalidInput, NotPermitted
from trials.consent.services import approve_consent_form, get_form_for_approval
from trials.lifecycle import transition
from trials.permissions import is_site_researcher
from trials.proposals.models import Trial
from trials.randomisation.services import generate_allocation_list
from trials.review.checklist import require_checklist_complete
from trials.review.ethics import require_ethics_approval
from trials.review.models import ReviewDecision, ReviewOutcome
from trials.states import TrialStatus, roles_for


def _require_reviewer(actor: User, trial: Trial) -> None:
    if not is_site_researcher(actor, trial):
        raise NotPermitted("Only research staff at a site this trial asks for can review it.")


def _decide(
    session: Session, trial: Trial, actor: User, outcome: ReviewOutcome, comments: str
) -> ReviewDecision:
    decision = ReviewDecision(
        trial_id=trial.id, reviewer_id=actor.id, outcome=outcome, comments=comments.strip()
    )
    session.add(decision)
    return decision


def start_review(session: Session, trial: Trial, *, actor: User) -> Trial:
    _require_reviewer(actor, trial)
    transition(session, trial, TrialStatus.IN_REVIEW, actor=actor)
    session.flush()
    return trial


def approve_trial(
    session: Session,
    trial: Trial,
    *,
    actor: User,
    site_targets: dict[int, int],
    comments: str,
    seed: int | None = None,
) -> Trial:
    """Approve the proposal for some or all of its sites and generate the allocation list.

    Args:
        site_targets: site id -> approved participant target, for the sites approved.
        seed: allocation seed; a fresh random one is drawn (and recorded) when omitted.

    Raises:
        NotPermitted: the actor is not staff at one of the trial's sites.
        IllegalTransition: the trial is not in review.
        InvalidInput: ``checklist`` when a checklist item is unrated or not met;
            ``sites`` when no requested site is approved or a target is not positive.
    """
    _require_reviewer(actor, trial)
    if roles_for(trial.status, TrialStatus.APPROVED):
        require_checklist_complete(session, trial)
    requested = {ts.site_id: ts for ts in trial.trial_sites}
    if not site_targets:
        raise InvalidInput("sites", "Select at least one site to approve the trial for")
    for site_id, target in site_targets.items():
        if site_id not in requested:
            raise InvalidInput("sites", "Approve only sites the proposal asks for")
        if target < 1:
            raise InvalidInput("sites", "Each approved site needs a target of at least 1")
    transition(
        session,
        trial,
        TrialStatus.APPROVED,
        actor=actor,
        reason=comments or None,
        details={"site_targets": {str(k): v for k, v in sorted(site_targets.items())}},
    )
    for site_id, trial_site in requested.items():
        trial_site.is_approved = site_id in site_targets
        trial_site.approved_target = site_targets.get(site_id)
    trial.approved_at = utcnow()
    _decide(session, trial, actor, ReviewOutcome.APPROVED, comments)
    approve_consent_form(session, get_form_for_approval(session, trial), actor=actor)
    session.flush()
    generate_allocation_list(
        session, trial, seed=seed if seed is not None else secrets.randbits(48), actor=actor
    )
    return trial


def request_changes(session: Session, trial: Trial, *, actor: User, reason: str) -> Trial:
    _require_reviewer(actor, trial)
    if not reason.strip():
        raise InvalidInput("reason", "Tell the company what needs to change")
    transition(session, trial, TrialStatus.CHANGES_REQUESTED, actor=actor, reason=reason)
    _decide(session, trial, actor, ReviewOutcome.CHANGES_REQUESTED, reason)
    session.flush()
    return trial


def reject_trial(session: Session, trial: Trial, *, actor: User, reason: str) -> Trial:
    _require_reviewer(actor, trial)
    if not reason.strip():
        raise InvalidInput("reason", "Give the reason for rejecting the proposal")
    transition(session, trial, TrialStatus.REJECTED, actor=actor, reason=reason)
    _decide(session, trial, actor, ReviewOutcome.REJECTED, reason)
    session.flush()
    return trial


def open_recruitment(session: Session, trial: Trial, *, actor: User) -> Trial:
    """Open recruitment on an approved trial whose ethics references are recorded.

    Raises:
        NotPermitted: the actor is not staff at one of the trial's sites.
        IllegalTransition: the trial is not approved, or its ethics approval is not recorded.
    """
    _require_reviewer(actor, trial)
    if roles_for(trial.status, TrialStatus.RECRUITING):
        require_ethics_approval(trial)
    transition(session, trial, TrialStatus.RECRUITING, actor=actor)
    session.flush()
    return trial


def close_recruitment(session: Session, trial: Trial, *, actor: User) -> Trial:
    """Recruitment ends; the trial moves to follow-up."""
    _require_reviewer(actor, trial)
    transition(session, trial, TrialStatus.FOLLOW_UP, actor=actor)
    session.flush()
    return trial
