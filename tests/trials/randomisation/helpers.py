"""Trials for the randomisation tests: any design, arms, method and site targets."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tests import factories
from trials.proposals.models import RandomisationMethod, Trial, TrialDesign
from trials.proposals.section_rules import ArmDraft
from trials.proposals.services import PrimaryOutcome, ProposalDraft, draft_proposal, submit_proposal
from trials.review.services import approve_trial, open_recruitment, start_review

TWO_ARMS = (ArmDraft("Usual care", 1, True), ArmDraft("Product", 1, False))


def trial_in_review(
    session: Session,
    world: factories.World,
    *,
    design: TrialDesign = TrialDesign.PARALLEL_RCT,
    arms: tuple[ArmDraft, ...] = TWO_ARMS,
    targets: dict[str, int] | None = None,
) -> Trial:
    """A proposal in review at the ``targets`` sites, its checklist rated, ready to approve."""
    site_targets = {
        factories.site(session, code).id: n
        for code, n in (targets or {"WFH": 20, "DOR": 20}).items()
    }
    product = factories.make_product(session, world.company)
    trial = draft_proposal(
        session,
        actor=world.company,
        draft=ProposalDraft(
            product_id=product.id,
            title="Balance trial",
            summary="We want to find out whether the product helps.",
            outcome=PrimaryOutcome("Timed Up and Go", "seconds", 3, 120, 1.5, lower_is_better=True),
            site_targets=site_targets,
            design=design,
            arms=arms,
        ),
    )
    reviewer = _reviewer(session, world, trial)
    submit_proposal(session, trial, actor=world.company)
    start_review(session, trial, actor=reviewer)
    factories.rate_checklist_satisfied(session, trial, reviewer)
    session.flush()
    return trial


def _reviewer(session: Session, world: factories.World, trial: Trial):
    sites = {ts.site_id for ts in trial.trial_sites}
    return world.researcher_wfh if world.wfh.id in sites else world.researcher_dor


def recruiting_trial(
    session: Session,
    world: factories.World,
    *,
    method: RandomisationMethod = RandomisationMethod.BLOCKS,
    seed: int = 42,
    **proposal: Any,
) -> Trial:
    """A recruiting trial approved with ``method`` at every site it asks for (see
    :func:`trial_in_review` for the proposal's keywords)."""
    trial = trial_in_review(session, world, **proposal)
    reviewer = _reviewer(session, world, trial)
    approve_trial(
        session,
        trial,
        actor=reviewer,
        site_targets={ts.site_id: ts.target for ts in trial.trial_sites},
        comments="Fine.",
        seed=seed,
        randomisation_method=method,
    )
    factories.record_ethics_approval(session, trial, reviewer)
    open_recruitment(session, trial, actor=reviewer)
    session.flush()
    return trial
