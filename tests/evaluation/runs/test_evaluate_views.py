"""The evaluator's trial page over HTTP: lock the data, run the analysis, record the decision."""

from __future__ import annotations

from sqlalchemy import func, select

from evaluation.plans.services import lock_usual_plan
from evaluation.runs.models import AnalysisRun
from evaluation.runs.queries import format_p_value
from livinglab.audit.models import AuditEvent
from tests.evaluation.runs.helpers import arm_table
from tests.factories import count_rows as count
from tests.pages import text_of
from trials.enrolment.models import Enrolment
from trials.proposals.models import Trial
from trials.states import TrialStatus

# The evaluator's trial page ----------------------------------------------------------


def test_trial_page_in_follow_up_shows_counts_and_the_lock_form(
    client, world, login_as, session, build_trial
):
    trial = build_trial(n=8)
    login_as(world.evaluator)
    response = client.get(f"/evaluation/trials/{trial.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert html.count("<h1") == 1
    assert f"<title>Evaluate: {trial.title} – Dorset Living Lab</title>" in html
    randomised = dict(
        session.execute(
            select(Enrolment.arm_id, func.count())
            .where(Enrolment.trial_id == trial.id)
            .group_by(Enrolment.arm_id)
        ).all()
    )
    rows = " ".join(
        f"{arm.name}{' (control)' if arm.is_control else ''} {randomised[arm.id]}"
        for arm in trial.arms
    )
    assert f"Participants randomised per arm Arm Randomised {rows}" in page
    assert "Participants randomised per arm" in page
    assert f'action="/evaluation/trials/{trial.id}/lock"' in html
    assert "Lock trial data" in page
    assert f'action="/evaluation/trials/{trial.id}/run"' not in html
    assert "Lock the trial data before running the primary analysis." in page
    assert "1.50 seconds" in page and "A lower value is better" in page
    assert "Resident Number" not in page


def test_evaluator_locks_the_trial(client, world, login_as, session, build_trial):
    trial = build_trial(n=8)
    lock_usual_plan(session, trial, actor=world.evaluator)
    session.commit()
    login_as(world.evaluator)
    response = client.post(
        f"/evaluation/trials/{trial.id}/lock", data={"reason": "Last follow-up visit done."}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/evaluation/trials/{trial.id}"
    session.expire_all()
    assert session.get(Trial, trial.id).status is TrialStatus.LOCKED
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "trial.locked")).one()
    assert event.reason == "Last follow-up visit done."
    page = text_of(client.get(response.headers["Location"]))
    assert "Trial data locked." in page
    assert "Run the analysis plan" in page


def test_lock_with_an_overlong_note_is_refused(client, world, login_as, session, build_trial):
    trial = build_trial(n=8)
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/lock", data={"reason": "x" * 2001})
    assert response.status_code == 422
    assert "Note must be 2000 characters or fewer" in text_of(response)
    assert "There is a problem" in text_of(response)
    session.expire_all()
    assert session.get(Trial, trial.id).status is TrialStatus.FOLLOW_UP


def test_locking_twice_shows_the_conflict_page(client, world, login_as, build_trial):
    trial = build_trial(n=8, status=TrialStatus.LOCKED)
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/lock")
    assert response.status_code == 409
    assert "only be locked once the trial is in follow-up" in text_of(response)


def test_run_before_lock_shows_the_conflict_page(client, world, login_as, session, build_trial):
    trial = build_trial(n=8)
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/run")
    assert response.status_code == 409
    assert "Lock the trial&#39;s data before running the analysis." in response.get_data(
        as_text=True
    )
    assert count(session, AnalysisRun) == 0


def test_evaluator_runs_the_analysis_and_sees_the_result(
    client, world, login_as, session, build_trial
):
    trial = build_trial(n=16, status=TrialStatus.LOCKED)
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/run")
    assert response.status_code == 302
    session.expire_all()
    run = session.scalars(select(AnalysisRun)).one()
    assert session.get(Trial, trial.id).status is TrialStatus.EVALUATED

    assert response.headers["Location"] == f"/evaluation/runs/{run.id}"
    page_response = client.get(response.headers["Location"])
    html = page_response.get_data(as_text=True)
    page = text_of(page_response)
    effect = run.result["primary"]["effects"]["Product"]
    assert "Analysis run. The report is below." in page
    assert "ANCOVA: follow-up value adjusted for baseline" in page
    assert "Product vs Usual care" in page
    assert f"{effect['estimate']:.2f}" in page
    assert f"{effect['ci_low']:.2f} to {effect['ci_high']:.2f}" in page
    assert format_p_value(effect["p"]) in page
    assert arm_table(trial, run) in page
    assert "95% CI excludes zero" in page
    assert "95% CI crosses the minimal important difference" in page
    assert "1.50 seconds (a difference of -1.50 or less matters)" in page
    assert "A lower value is better" in page
    assert run.data_fingerprint in page
    assert f"statsmodels {run.versions['statsmodels']}" in page
    assert f"pandas {run.versions['pandas']}" in page
    assert 'class="nhsuk-table__header nhsuk-table__header--numeric dll-numeric"' in html
    assert "nhsuk-table__caption" in html
    for section in ("Flow of participants (CONSORT)", "Baseline characteristics", "Subgroups"):
        assert section in page
    assert f'href="/evaluation/runs/{run.id}/report.pdf"' in html
    assert "Resident Number" not in page
    # The trial page now leads to the decision.
    trial_page = client.get(f"/evaluation/trials/{trial.id}").get_data(as_text=True)
    assert f'href="/evaluation/trials/{trial.id}/decision"' in trial_page


def test_warnings_from_the_analysis_are_shown(client, world, login_as, session, build_trial):
    trial = build_trial(n=14, missing_follow_up=2, status=TrialStatus.EVALUATED)
    login_as(world.evaluator)
    page = text_of(client.get(f"/evaluation/trials/{trial.id}"))
    assert "Warnings from the analysis" in page
    assert (
        "2 row(s) with a missing value left out (complete case), "
        "2 of them with no outcome (a missed visit)."
    ) in page


def test_trial_page_uses_a_bounded_number_of_queries(
    client, world, login_as, session, build_trial, count_queries
):
    small = build_trial(n=6, status=TrialStatus.DECIDED).id
    large = build_trial(n=18, status=TrialStatus.DECIDED).id
    login_as(world.evaluator)
    counts = []
    for trial_id in (small, large):
        session.expunge_all()  # the test shares the request's session: start both cold
        with count_queries() as statements:
            assert client.get(f"/evaluation/trials/{trial_id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 14
