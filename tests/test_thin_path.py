"""The whole Living Lab journey through the services, each step leaving its audit event."""

from __future__ import annotations

import random

from sqlalchemy import select

from evaluation.decisions.models import DecisionOutcome
from evaluation.decisions.services import record_decision
from evaluation.plans.services import lock_usual_plan
from evaluation.runs.services import lock_trial_data, run_primary_analysis
from livinglab.audit.models import AuditEvent
from tests import factories
from trials.observations.services import record_observation
from trials.review.services import close_recruitment
from trials.states import TrialStatus


def test_proposal_to_adoption_decision(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    rng = random.Random(7)
    visits = {v.code: v for v in trial.visits}
    for n in range(24):
        participant = factories.make_participant(session, full_name=f"Resident {n}")
        site = "WFH" if n % 2 else "DOR"
        staff = world.researcher_wfh if site == "WFH" else world.researcher_dor
        enrolment = factories.randomised(session, world, trial, participant, site)
        baseline = rng.uniform(10, 20)
        effect = -2.0 if enrolment.arm.name == "Product" else 0.0
        for code, value in (
            ("baseline", baseline),
            ("follow_up", baseline + effect + rng.gauss(0, 1)),
        ):
            record_observation(
                session,
                enrolment,
                trial=trial,
                visit=visits[code],
                measure=trial.primary_measure,
                value=round(value, 1),
                actor=staff,
            )
    close_recruitment(session, trial, actor=world.researcher_wfh)
    lock_usual_plan(session, trial, actor=world.evaluator)
    lock_trial_data(session, trial, actor=world.evaluator)
    run = run_primary_analysis(session, trial, actor=world.evaluator)
    record_decision(
        session,
        trial,
        actor=world.evaluator,
        outcome=DecisionOutcome.ADOPT,
        reasons="Faster Timed Up and Go, beyond the minimal important difference.",
    )
    session.commit()

    assert trial.status is TrialStatus.DECIDED
    effect = run.result["primary"]["effects"]["Product"]
    assert -3.0 < effect["estimate"] < -1.0
    assert effect["ci_low"] < effect["estimate"] < effect["ci_high"] < 0
    assert effect["p"] < 0.01
    assert sum(run.result["primary"]["n_by_arm"].values()) == 24
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.trial_id == trial.id)))
    assert {
        "trial.drafted",
        "trial.submitted",
        "trial.in_review",
        "trial.approved",
        "allocation_list.generated",
        "consent_form.approved",
        "trial.recruiting",
        "consent.given",
        "enrolment.consented",
        "enrolment.randomised",
        "observation.recorded",
        "trial.follow_up",
        "trial.locked",
        "analysis.run",
        "trial.evaluated",
        "decision.recorded",
        "trial.decided",
    } <= actions
