"""The plan page over HTTP: write, refuse bad input, lock, amend; denied to other roles."""

from __future__ import annotations

import pytest

from evaluation.plans.models import AnalysisPlan, PlanStatus
from evaluation.plans.services import current_plan, lock_usual_plan
from livinglab.audit.models import AuditEvent
from tests.factories import count_rows as count
from tests.factories import count_where
from tests.pages import text_of


def plan_data(trial, **changes) -> dict:
    primary = trial.primary_measure
    data = {
        "control_arm_id": str(trial.control_arm.id),
        "population": "intention_to_treat",
        "missing_data": "complete_case",
        "multiplicity": "holm",
        "standard_errors": "robust",
        "covariates": ["baseline", "site"],
        "subgroups": ["site", "sex"],
        f"measure_{primary.id}_analysis": "ancova",
        f"measure_{primary.id}_visit": "follow_up",
        "notes": "Primary analysis as in the protocol.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_evaluator_writes_then_locks_the_plan(client, world, login_as, session, build_trial):
    trial = build_trial(n=4)
    login_as(world.evaluator)
    page = text_of(client.get(f"/evaluation/trials/{trial.id}/plan"))
    assert "Write the plan" in page
    assert "Timed Up and Go (primary outcome): analysis" in page
    response = client.post(f"/evaluation/trials/{trial.id}/plan", data=plan_data(trial))
    assert response.status_code == 302
    session.expire_all()
    plan = current_plan(session, trial.id)
    assert plan.standard_errors == "robust" and plan.subgroups == ["site", "sex"]
    page = text_of(client.get(f"/evaluation/trials/{trial.id}/plan"))
    assert "Draft plan saved." in page and "Lock version 1" in page
    response = client.post(f"/evaluation/trials/{trial.id}/plan/lock")
    assert response.status_code == 302
    session.expire_all()
    assert current_plan(session, trial.id).status is PlanStatus.LOCKED
    page = text_of(client.get(f"/evaluation/trials/{trial.id}/plan"))
    assert "Version 1 of the analysis plan is locked." in page
    assert "Save draft plan" not in page and "Start a new version" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"population": None}, "Choose the analysis population"),
        ({"population": "everyone"}, "Not a valid choice"),
        ({"covariates": ["baseline", "shoe_size"]}, "Choose covariates from the list"),
        ({"control_arm_id": "999999"}, "Choose the control arm the others are compared with"),
        ({"notes": "x" * 5001}, "Notes must be 5000 characters or fewer"),
    ],
)
def test_bad_plan_input_is_refused_and_nothing_is_written(
    client, world, login_as, session, build_trial, change, message
):
    trial = build_trial(n=4)
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/plan", data=plan_data(trial, **change))
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page and message in page
    assert count(session, AnalysisPlan) == 0


def test_a_wrong_analysis_for_the_primary_outcome_is_refused_beside_it(
    client, world, login_as, session, build_trial
):
    trial = build_trial(n=4)
    field = f"measure_{trial.primary_measure.id}_analysis"
    data = plan_data(trial, **{field: "glm_binomial"})
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/plan", data=data)
    assert response.status_code == 422
    assert "Choose how Timed Up and Go is analysed" in text_of(response)
    assert count(session, AnalysisPlan) == 0


def test_amending_a_locked_plan_needs_a_reason(client, world, login_as, session, build_trial):
    trial = build_trial(n=4)
    lock_usual_plan(session, trial, actor=world.evaluator)
    session.commit()
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/plan/amend", data={"reason": ""})
    assert response.status_code == 422
    assert "Give the reason for amending the locked plan" in text_of(response)
    response = client.post(
        f"/evaluation/trials/{trial.id}/plan/amend", data={"reason": "Add a subgroup."}
    )
    assert response.status_code == 302
    session.expire_all()
    assert current_plan(session, trial.id).version == 2
    assert count_where(session, AuditEvent, AuditEvent.action == "plan.amended") == 1


def test_a_draft_cannot_be_saved_over_a_locked_version(
    client, world, login_as, session, build_trial
):
    trial = build_trial(n=4)
    lock_usual_plan(session, trial, actor=world.evaluator)
    session.commit()
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/plan", data=plan_data(trial))
    assert response.status_code == 409
    assert "Amend it, with a reason" in text_of(response)


@pytest.mark.parametrize("who", ["company", "researcher_wfh", "participant", "admin"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/plan"), ("post", "/plan"), ("post", "/plan/lock"), ("post", "/plan/amend")],
)
def test_plan_pages_are_forbidden_to_other_roles(
    client, world, login_as, build_trial, who, method, path
):
    trial = build_trial(n=4)
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    response = getattr(client, method)(f"/evaluation/trials/{trial.id}{path}")
    assert response.status_code in (403, 404)


def test_anonymous_users_are_sent_to_sign_in(client, build_trial):
    trial = build_trial(n=4)
    response = client.get(f"/evaluation/trials/{trial.id}/plan")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_trial_is_not_found(client, world, login_as):
    login_as(world.evaluator)
    assert client.get("/evaluation/trials/999999/plan").status_code == 404
