"""Locking trial data and running the primary analysis, with their audit events."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluation.runs.models import AnalysisRun, RunStatus
from evaluation.runs.services import (
    PLAN_RUN,
    latest_run,
    lock_trial_data,
    run_primary_analysis,
    software_versions,
)
from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, NotPermitted
from tests import factories
from tests.evaluation.conftest import record_primary
from trials.enrolment.models import Enrolment
from trials.states import TrialStatus


def audit_actions(session, trial) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.trial_id == trial.id).order_by(AuditEvent.id)
        )
    )


def run_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AnalysisRun))


def test_evaluator_locks_a_trial_in_follow_up(session, world, build_trial):
    trial = build_trial(n=6)
    lock_trial_data(session, trial, actor=world.evaluator, reason="  Last visit done.  ")
    session.commit()
    assert trial.status is TrialStatus.LOCKED
    assert trial.data_locked_at is not None
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "trial.locked", AuditEvent.trial_id == trial.id
        )
    ).one()
    assert event.actor_id == world.evaluator.id
    assert event.reason == "Last visit done."
    assert event.old_value == {"status": "follow_up"}
    assert event.new_value == {"status": "locked"}


def test_lock_without_a_reason_stores_none(session, world, build_trial):
    trial = build_trial(n=6)
    lock_trial_data(session, trial, actor=world.evaluator, reason="   ")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "trial.locked")).one()
    assert event.reason is None


def test_locked_data_cannot_be_changed(session, world, build_trial):
    trial = build_trial(n=6, status=TrialStatus.LOCKED)
    enrolment = session.scalars(select(Enrolment).where(Enrolment.trial_id == trial.id)).first()
    with pytest.raises(IllegalTransition, match="locked"):
        record_primary(session, world, trial, enrolment, "follow_up", 12.0, reason="Late entry")


@pytest.mark.parametrize("who", ["researcher_wfh", "company", "admin"])
def test_only_an_evaluator_or_the_trial_lead_can_lock(session, world, build_trial, who):
    """The trial has no lead here, so the researcher is refused (tests/trials/datalock)."""
    trial = build_trial(n=6)
    with pytest.raises(NotPermitted):
        lock_trial_data(session, trial, actor=getattr(world, who))
    assert trial.status is TrialStatus.FOLLOW_UP
    assert "trial.locked" not in audit_actions(session, trial)


def test_a_recruiting_trial_cannot_be_locked(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    with pytest.raises(IllegalTransition, match="only be locked once the trial is in follow-up"):
        lock_trial_data(session, trial, actor=world.evaluator)
    assert trial.status is TrialStatus.RECRUITING


def test_locking_twice_is_refused(session, world, build_trial):
    trial = build_trial(n=6, status=TrialStatus.LOCKED)
    with pytest.raises(IllegalTransition):
        lock_trial_data(session, trial, actor=world.evaluator)


def test_analysis_is_refused_before_the_data_are_locked(session, world, build_trial):
    trial = build_trial(n=8)
    with pytest.raises(IllegalTransition, match="Lock the trial's data"):
        run_primary_analysis(session, trial, actor=world.evaluator)
    assert run_count(session) == 0
    assert trial.status is TrialStatus.FOLLOW_UP


@pytest.mark.parametrize("who", ["researcher_wfh", "company"])
def test_only_an_evaluator_can_run_the_analysis(session, world, build_trial, who):
    trial = build_trial(n=8, status=TrialStatus.LOCKED)
    with pytest.raises(NotPermitted):
        run_primary_analysis(session, trial, actor=getattr(world, who))
    assert run_count(session) == 0


def test_run_records_result_fingerprint_and_versions_and_evaluates(session, world, build_trial):
    trial = build_trial(n=16, status=TrialStatus.LOCKED)
    run = run_primary_analysis(session, trial, actor=world.evaluator)
    session.commit()
    session.expire_all()
    stored = session.get(AnalysisRun, run.id)
    assert stored.analysis == PLAN_RUN
    assert stored.status is RunStatus.DONE
    assert stored.plan_id is not None
    assert stored.run_by_id == world.evaluator.id
    assert len(stored.data_fingerprint) == 64
    assert int(stored.data_fingerprint, 16) >= 0
    assert stored.versions == software_versions()
    assert set(stored.versions) == {"python", "pandas", "numpy", "scipy", "statsmodels"}
    result = stored.result
    assert result["plan"]["version"] == 1
    primary = result["outcomes"][0]
    assert primary["role"] == "primary" and primary["model"] == "ancova"
    assert primary["spec"]["covariates"] == ["baseline", "site"]
    block = result["primary"]
    assert block["control"] == "Usual care"
    effect = block["effects"]["Product"]
    assert effect["ci_low"] < effect["estimate"] < effect["ci_high"]
    assert -3.5 < effect["estimate"] < -0.5
    assert sum(block["n_by_arm"].values()) == 16
    assert block["n_randomised_by_arm"] == block["n_by_arm"]
    assert block["measure"] == {
        "name": "Timed Up and Go",
        "unit": "seconds",
        "minimal_important_difference": 1.5,
        "lower_is_better": True,
    }
    assert result["consort"]["randomised"] == 16
    assert trial.status is TrialStatus.EVALUATED
    actions = audit_actions(session, trial)
    assert actions[-3:] == ["analysis.requested", "analysis.run", "trial.evaluated"]


def test_a_run_needs_a_locked_plan(session, world, build_trial):
    trial = build_trial(n=8)
    lock_trial_data(session, trial, actor=world.evaluator)
    with pytest.raises(IllegalTransition, match="lock the statistical analysis plan"):
        run_primary_analysis(session, trial, actor=world.evaluator)
    assert run_count(session) == 0


def test_same_data_gives_the_same_numbers(session, world, build_trial):
    trial = build_trial(n=12, status=TrialStatus.LOCKED)
    first = run_primary_analysis(session, trial, actor=world.evaluator)
    second = run_primary_analysis(session, trial, actor=world.evaluator)
    session.commit()
    assert second.id != first.id
    assert second.data_fingerprint == first.data_fingerprint
    assert second.result == first.result
    assert trial.status is TrialStatus.EVALUATED
    assert latest_run(session, trial.id).id == second.id
    assert audit_actions(session, trial).count("trial.evaluated") == 1
    assert audit_actions(session, trial).count("analysis.run") == 2


def test_missing_follow_up_is_a_complete_case_analysis(session, world, build_trial):
    trial = build_trial(n=14, missing_follow_up=2, status=TrialStatus.LOCKED, full_plan=True)
    run = run_primary_analysis(session, trial, actor=world.evaluator)
    block = run.result["primary"]
    assert sum(block["n_by_arm"].values()) == 12
    assert sum(block["n_randomised_by_arm"].values()) == 14
    assert (
        "2 row(s) with a missing value left out (complete case), "
        "2 of them with no outcome (a missed visit)."
    ) in block["warnings"]
    # The usual plan imputes the missed visits as a sensitivity analysis.
    assert run.result["sensitivity"]["mice"]["n_observations"] == 14


def test_an_outcome_that_cannot_be_fitted_is_reported_not_run(session, world, build_trial):
    trial = build_trial(n=4, status=TrialStatus.LOCKED)
    run = run_primary_analysis(session, trial, actor=world.evaluator)
    assert run.status is RunStatus.DONE
    primary = run.result["outcomes"][0]
    assert primary["result"] is None
    assert "Too few rows with complete data (4)" in primary["error"]
    assert primary["error"] in run.result["primary"]["warnings"]
