"""Proposal use cases for company users: draft, submit, withdraw."""

from __future__ import annotations

from dataclasses import dataclass

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
from trials.proposals.models import Arm, Measure, MeasureType, Trial, TrialSite, TrialVisit
from trials.states import TrialStatus


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
    product_id: int
    title: str
    summary: str
    control_arm: str
    intervention_arm: str
    outcome: PrimaryOutcome
    #: Site id -> participants wanted there.
    site_targets: dict[int, int]
    follow_up_days: int = 84


def _validate(session: Session, actor: User, draft: ProposalDraft) -> Product:
    product = session.get(Product, draft.product_id)
    if product is None or product.organisation_id != actor.organisation_id:
        raise InvalidInput("product_id", "Select one of your organisation's products")
    if draft.control_arm.strip().lower() == draft.intervention_arm.strip().lower():
        raise InvalidInput("intervention_arm", "The two arms must have different names")
    if draft.outcome.min_value >= draft.outcome.max_value:
        raise InvalidInput("outcome_max", "The highest valid value must be above the lowest")
    if not draft.site_targets or not any(n > 0 for n in draft.site_targets.values()):
        raise InvalidInput("sites", "Ask for participants at one or more sites")
    known = set(session.scalars(select(Site.id).where(Site.id.in_(draft.site_targets))))
    if known != set(draft.site_targets):
        raise InvalidInput("sites", "Select sites from the list")
    return product


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
    product = _validate(session, actor, draft)
    outcome = draft.outcome
    trial = Trial(
        organisation_id=actor.organisation_id,
        product_id=product.id,
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
    )
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
        new={"title": trial.title, "product_id": product.id, "site_targets": draft.site_targets},
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
        "site_targets": {str(ts.site_id): ts.target for ts in trial.trial_sites},
    }


def revise_proposal(session: Session, trial: Trial, *, actor: User, draft: ProposalDraft) -> Trial:
    """Change a draft, or a proposal sent back for changes, before (re)submitting it.

    Raises:
        NotPermitted: the actor is not in the proposing organisation.
        IllegalTransition: the proposal is no longer editable.
        InvalidInput: as for :func:`draft_proposal`.
    """
    _require_member(actor, trial)
    if not can_edit_proposal(actor, trial):
        raise IllegalTransition("Only a draft, or a proposal sent back for changes, can be edited.")
    product = _validate(session, actor, draft)
    old = _snapshot(trial)
    trial.product_id = product.id
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
    wanted = {site_id: n for site_id, n in draft.site_targets.items() if n > 0}
    existing = {ts.site_id: ts for ts in trial.trial_sites}
    for site_id, trial_site in existing.items():
        if site_id in wanted:
            trial_site.target = wanted[site_id]
        else:
            trial.trial_sites.remove(trial_site)
    for site_id in sorted(wanted.keys() - existing.keys()):
        trial.trial_sites.append(TrialSite(site_id=site_id, target=wanted[site_id]))
    session.flush()
    refresh_draft_information_sheet(session, trial)
    new = _snapshot(trial)
    record(
        session,
        actor=actor,
        action="trial.revised",
        object_type="trial",
        object_id=trial.id,
        trial_id=trial.id,
        old={k: v for k, v in old.items() if new[k] != v},
        new={k: v for k, v in new.items() if old[k] != v},
    )
    return trial


def _require_member(actor: User, trial: Trial) -> None:
    if not is_company_member(actor, trial):
        raise NotPermitted("Only the organisation that proposed this trial can do this.")


def submit_proposal(
    session: Session, trial: Trial, *, actor: User, reason: str | None = None
) -> Trial:
    """Send a draft (or a changed proposal) for review."""
    _require_member(actor, trial)
    transition(session, trial, TrialStatus.SUBMITTED, actor=actor, reason=reason)
    trial.submitted_at = utcnow()
    session.flush()
    return trial


def withdraw_proposal(session: Session, trial: Trial, *, actor: User, reason: str) -> Trial:
    """The company withdraws its proposal before recruitment opens."""
    _require_member(actor, trial)
    transition(session, trial, TrialStatus.WITHDRAWN, actor=actor, reason=reason)
    session.flush()
    return trial
