"""The evaluator's pages (lock, analyse, decide) and the company's results page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from evaluation.decisions import services as decisions
from evaluation.decisions.forms import DecisionForm
from evaluation.runs import queries, services
from evaluation.runs.forms import LockForm
from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from trials.permissions import can_evaluate
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404

bp = Blueprint("runs", __name__, url_prefix="/evaluation")


bp.add_app_template_filter(queries.format_estimate, "estimate")
bp.add_app_template_filter(queries.format_p_value, "p_value")


def _detail(
    trial: Trial,
    *,
    status: int = 200,
    lock_form: LockForm | None = None,
    decision_form: DecisionForm | None = None,
):
    """Render the evaluator's trial page; a form passed in is the one that failed."""
    result = queries.get_latest_result(db.session, trial)
    page = render_template(
        "evaluation/runs/detail.html",
        trial=trial,
        form=lock_form if lock_form is not None else decision_form,
        lock_form=lock_form if lock_form is not None else LockForm(formdata=None),
        decision_form=decision_form if decision_form is not None else DecisionForm(formdata=None),
        randomised=queries.count_randomised_by_arm(db.session, trial),
        result=result,
        decision=decisions.get_decision(db.session, trial.id),
        actions=queries.evaluation_actions(trial, result),
    )
    return page, status


@bp.get("/")
@role_required(Role.EVALUATOR)
def index():
    """Trials in follow-up or later, with what the evaluator does next."""
    page = db.paginate(
        queries.query_evaluation_trials(),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template("evaluation/runs/index.html", page=page, next_steps=queries.NEXT_STEPS)


@bp.get("/trials/<int:trial_id>")
@role_required(Role.EVALUATOR)
def detail(trial_id: int):
    """One trial: arm counts, lock and run forms, the latest result and the decision."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_evaluate, particulars=False
    )
    return _detail(trial)


@bp.post("/trials/<int:trial_id>/lock")
@role_required(Role.EVALUATOR)
def lock(trial_id: int):
    """Lock the trial's data so no more values can be recorded."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_evaluate, particulars=False
    )
    form = LockForm()
    if not form.validate_on_submit():
        return _detail(trial, status=422, lock_form=form)
    services.lock_trial_data(db.session, trial, actor=current_user, reason=form.reason.data)
    db.session.commit()
    flash("Trial data locked. No more values can be recorded.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.post("/trials/<int:trial_id>/run")
@role_required(Role.EVALUATOR)
def run(trial_id: int):
    """Run the primary analysis on the locked data."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_evaluate, particulars=False
    )
    services.run_primary_analysis(db.session, trial, actor=current_user)
    db.session.commit()
    flash("Primary analysis run. The result is below.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.post("/trials/<int:trial_id>/decision")
@role_required(Role.EVALUATOR)
def decide(trial_id: int):
    """Record the NHS adoption decision, with reasons."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_evaluate, particulars=False
    )
    form = DecisionForm()
    if not form.validate_on_submit():
        return _detail(trial, status=422, decision_form=form)
    try:
        decisions.record_decision(
            db.session,
            trial,
            actor=current_user,
            outcome=form.outcome.data,
            reasons=form.reasons.data,
        )
    except InvalidInput as e:
        form[e.field].errors.append(e.message)
        return _detail(trial, status=422, decision_form=form)
    db.session.commit()
    flash("Adoption decision recorded.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.get("/trials/<int:trial_id>/results")
@role_required(Role.COMPANY)
def results(trial_id: int):
    """The company's view of a decided trial: aggregate result and the decision."""
    trial, decision, result = queries.get_published_results_or_404(
        db.session, trial_id, for_user=current_user
    )
    return render_template(
        "evaluation/runs/results.html", trial=trial, decision=decision, result=result
    )
