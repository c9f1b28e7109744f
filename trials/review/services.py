"""Review use cases for research staff: take into review, approve, request changes, reject."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import update
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.consent.models import ConsentForm, ConsentFormStatus
from trials.consent.services import approve_consent_form, get_form_for_approval
from trials.consent.versions import approval_problems
from trials.invitations.models import Invitation, InvitationStatus
from trials.lifecycle import transition
from trials.permissions import is_site_researcher
from trials.proposals.models import RandomisationMethod, Trial, TrialDesign
from trials.randomisation.services import set_up_randomisation
from trials.review.checklist import require_checklist_complete
from trials.review.ethics import require_ethics_approval
from trials.review.models import ReviewDecision, ReviewOutcome
from trials.states import REFUSALS, TrialStatus, roles_for


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


def _recruitment_window(
    trial: Trial, start: dt.date | None, end: dt.date | None, today: dt.date
) -> tuple[dt.date | None, dt.date | None]:
    """The approved recruitment dates: those given, else the proposal's.

    Raises:
        InvalidInput: ``recruitment_start`` when a new start date has passed (the
            proposal's own date may be kept), ``recruitment_end`` when not after the start.
    """
    start = start if start is not None else trial.recruitment_start
    end = end if end is not None else trial.recruitment_end
    if start is not None and start != trial.recruitment_start and start < today:
        raise InvalidInput(
            "recruitment_start",
            "Recruitment start date must be today or later, or the date the company gave",
        )
    if start is not None and end is not None and end <= start:
        raise InvalidInput("recruitment_end", "Recruitment end date must be after the start date")
    return start, end


def _consent_form_to_approve(
    session: Session, trial: Trial, consent_form_id: int | None
) -> ConsentForm:
    """The draft version chosen (or, when none is named, the newest draft).

    Raises:
        InvalidInput: ``consent_form`` when the version is another trial's, not a draft, or
            not complete.
        IllegalTransition: no version is named and the trial has no draft.
    """
    if consent_form_id is None:
        return get_form_for_approval(session, trial)
    form = session.get(ConsentForm, consent_form_id)
    if form is None or form.trial_id != trial.id:
        raise InvalidInput("consent_form", "Select a consent form version of this trial")
    if form.status is not ConsentFormStatus.DRAFT:
        raise InvalidInput(
            "consent_form",
            f"Version {form.version} of the consent form is {form.status.value} already: "
            "select a draft version",
        )
    problems = approval_problems(form)
    if problems:
        raise InvalidInput(
            "consent_form",
            f"Version {form.version} of the consent form is not ready: {' '.join(problems)}",
        )
    return form


def approve_trial(
    session: Session,
    trial: Trial,
    *,
    actor: User,
    site_targets: dict[int, int],
    comments: str,
    seed: int | None = None,
    randomisation_method: RandomisationMethod = RandomisationMethod.BLOCKS,
    consent_form_id: int | None = None,
    recruitment_start: dt.date | None = None,
    recruitment_end: dt.date | None = None,
    today: dt.date | None = None,
) -> Trial:
    """Approve the proposal for some or all of its sites, with its recruitment dates and
    consent form version, and set up randomisation (the allocation list for blocks).

    Args:
        site_targets: site id -> approved participant target, for the sites approved.
        seed: allocation seed; a fresh random one is drawn (and recorded) when omitted.
        randomisation_method: stratified permuted blocks (a list is generated now) or
            minimisation (no list); ignored by single-arm trials, which do not randomise.
        consent_form_id: the draft consent-form version to approve; the newest draft
            when omitted.
        recruitment_start, recruitment_end: the approved recruitment dates, recorded on
            the trial; the proposal's dates when omitted.
        today: the date a new start date may not be before (today in UTC by default).

    Raises:
        NotPermitted: the actor is not staff at one of the trial's sites.
        IllegalTransition: the trial is not in review, or no version is named and it has
            no draft consent form.
        InvalidInput: ``checklist`` when a checklist item is unrated or not met;
            ``sites`` when no requested site is approved or a target is not positive;
            ``recruitment_start`` / ``recruitment_end`` (see :func:`_recruitment_window`);
            ``consent_form`` (see :func:`_consent_form_to_approve`).
    """
    _require_reviewer(actor, trial)
    if not roles_for(trial.status, TrialStatus.APPROVED):
        raise IllegalTransition(
            f"{REFUSALS[TrialStatus.APPROVED]} This trial is {trial.status.label.lower()}."
        )
    require_checklist_complete(session, trial)
    requested = {ts.site_id: ts for ts in trial.trial_sites}
    if not site_targets:
        raise InvalidInput("sites", "Select at least one site to approve the trial for")
    for site_id, target in site_targets.items():
        if site_id not in requested:
            raise InvalidInput("sites", "Approve only sites the proposal asks for")
        if target < 1:
            raise InvalidInput("sites", "Each approved site needs a target of at least 1")
    start, end = _recruitment_window(
        trial, recruitment_start, recruitment_end, today or utcnow().date()
    )
    consent_form = _consent_form_to_approve(session, trial, consent_form_id)
    transition(
        session,
        trial,
        TrialStatus.APPROVED,
        actor=actor,
        reason=comments or None,
        details={
            "site_targets": {str(k): v for k, v in sorted(site_targets.items())},
            "consent_form_id": consent_form.id,
            "consent_form_version": consent_form.version,
            "recruitment_start": start,
            "recruitment_end": end,
            "randomisation_method": (
                None if trial.design is TrialDesign.SINGLE_ARM else randomisation_method
            ),
        },
    )
    for site_id, trial_site in requested.items():
        trial_site.is_approved = site_id in site_targets
        trial_site.approved_target = site_targets.get(site_id)
    trial.recruitment_start, trial.recruitment_end = start, end
    trial.approved_at = utcnow()
    _decide(session, trial, actor, ReviewOutcome.APPROVED, comments)
    approve_consent_form(session, consent_form, actor=actor)
    session.flush()
    set_up_randomisation(
        session,
        trial,
        method=randomisation_method,
        seed=seed if seed is not None else secrets.randbits(48),
        actor=actor,
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
    """Recruitment ends; the trial moves to follow-up, and invitations still waiting for
    an answer are closed (one audit event with their number)."""
    _require_reviewer(actor, trial)
    transition(session, trial, TrialStatus.FOLLOW_UP, actor=actor)
    closed = session.execute(
        update(Invitation)
        .where(Invitation.trial_id == trial.id, Invitation.status == InvitationStatus.INVITED)
        .values(status=InvitationStatus.CLOSED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if closed:
        record(
            session,
            actor=actor,
            action="invitations.closed",
            object_type="trial",
            object_id=trial.id,
            trial_id=trial.id,
            old={"status": InvitationStatus.INVITED},
            new={"status": InvitationStatus.CLOSED, "invitations": closed},
            reason="Recruitment closed",
        )
    session.flush()
    return trial
