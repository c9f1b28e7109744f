"""Trials with outcome data, built through the real services, for the evaluation tests."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from evaluation.decisions.models import DecisionOutcome
from evaluation.decisions.services import record_decision
from evaluation.plans.models import MissingData
from evaluation.plans.services import default_plan_input, lock_plan, save_plan
from evaluation.runs.services import lock_trial_data, run_primary_analysis
from tests import factories
from tests.factories import reload_trial
from trials.enrolment.models import Enrolment
from trials.observations.services import record_observation
from trials.proposals.models import Trial
from trials.review.services import close_recruitment
from trials.states import TrialStatus

#: Statuses the builder can reach beyond follow-up, in order, with the step that reaches each.
AFTER_FOLLOW_UP = (TrialStatus.LOCKED, TrialStatus.EVALUATED, TrialStatus.DECIDED)

REASONS = "Faster Timed Up and Go, beyond the minimal important difference."


def record_primary(
    session: Session,
    world: factories.World,
    trial: Trial,
    enrolment: Enrolment,
    visit_code: str,
    value: float,
    reason: str | None = None,
) -> None:
    """Record (or, with ``reason``, correct) one primary-outcome value as the site's staff."""
    staff = world.researcher_wfh if enrolment.site_id == world.wfh.id else world.researcher_dor
    visit = next(v for v in trial.visits if v.code == visit_code)
    record_observation(
        session,
        enrolment,
        trial=trial,
        visit=visit,
        measure=trial.primary_measure,
        value=value,
        actor=staff,
        reason=reason,
    )


def lock_plan_for_tests(session: Session, trial: Trial, evaluator, *, full: bool) -> None:
    """The usual plan, locked. Unless ``full``, without the MICE sensitivity analysis and
    subgroups, which take seconds per run and only their own tests need."""
    plan = default_plan_input(trial)
    if not full:
        plan = dataclasses.replace(plan, missing_data=MissingData.COMPLETE_CASE, subgroups=())
    save_plan(session, trial, actor=evaluator, data=plan)
    lock_plan(session, trial, actor=evaluator)


@pytest.fixture
def build_trial(session: Session, world: factories.World) -> Callable[..., Trial]:
    """``build_trial(n=16, status=FOLLOW_UP, effect=-2.0, missing_follow_up=0)``.

    Randomises ``n`` residents alternately at DOR and WFH, records a baseline Timed Up and
    Go for each and a follow-up for all but the last ``missing_follow_up`` (the product arm
    shifted by ``effect`` seconds), closes recruitment and then, as asked, locks the data,
    runs the primary analysis and records an ``adopt`` decision. Commits, and returns the
    trial reloaded with its details.
    """

    def build(
        *,
        n: int = 16,
        status: TrialStatus = TrialStatus.FOLLOW_UP,
        effect: float = -2.0,
        missing_follow_up: int = 0,
        seed: int = 7,
        full_plan: bool = False,
    ) -> Trial:
        rng = random.Random(seed)
        trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
        for i in range(n):
            participant = factories.make_participant(session, full_name=f"Resident Number{i}")
            site = "WFH" if i % 2 else "DOR"
            enrolment = factories.randomised(session, world, trial, participant, site)
            baseline = round(rng.uniform(10, 20), 1)
            record_primary(session, world, trial, enrolment, "baseline", baseline)
            if i < n - missing_follow_up:
                shift = effect if enrolment.arm.name == "Product" else 0.0
                value = round(baseline + shift + rng.gauss(0, 1), 1)
                record_primary(session, world, trial, enrolment, "follow_up", value)
        close_recruitment(session, trial, actor=world.researcher_wfh)
        steps = {
            TrialStatus.LOCKED: lambda: (
                lock_plan_for_tests(
                    session, reload_trial(session, trial.id), world.evaluator, full=full_plan
                ),
                lock_trial_data(session, trial, actor=world.evaluator),
            ),
            TrialStatus.EVALUATED: lambda: run_primary_analysis(
                session, trial, actor=world.evaluator
            ),
            TrialStatus.DECIDED: lambda: record_decision(
                session,
                trial,
                actor=world.evaluator,
                outcome=DecisionOutcome.ADOPT,
                reasons=REASONS,
            ),
        }
        if status is not TrialStatus.FOLLOW_UP:
            for step in AFTER_FOLLOW_UP[: AFTER_FOLLOW_UP.index(status) + 1]:
                steps[step]()
        session.commit()
        return reload_trial(session, trial.id)

    return build
