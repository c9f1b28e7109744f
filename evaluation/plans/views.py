"""The evaluator's analysis plan page: write the draft, lock it, amend a locked version."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from evaluation.plans import services
from evaluation.plans.choices import ANALYSES, COVARIATES, SUBGROUPS
from evaluation.plans.forms import PlanForm, plan_form
from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from trials.permissions import can_evaluate
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404

bp = Blueprint("plans", __name__, url_prefix="/evaluation")


class AmendForm(FlaskForm):
    reason = TextAreaField(
        "Why does the plan need to change?",
        description="The reason is kept in the audit trail and shown with the new version.",
        validators=[
            DataRequired("Give the reason for amending the locked plan"),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )


def _trial(trial_id: int) -> Trial:
    return get_trial_or_404(trial_id, for_user=current_user, action=can_evaluate)


def _page(
    trial: Trial,
    *,
    form: PlanForm | None = None,
    amend_form: AmendForm | None = None,
    status: int = 200,
):
    """The plan page; a form passed in is the one that failed (its errors are summarised)."""
    plan = services.current_plan(db.session, trial.id)
    editable = trial.status in services.PLANNING_STATES
    if form is None and editable and (plan is None or not plan.is_locked):
        form = plan_form(trial, plan)
    page = render_template(
        "evaluation/plans/plan.html",
        trial=trial,
        plan=plan,
        plan_form=form,
        form=amend_form or form,
        amend_form=amend_form or AmendForm(formdata=None),
        editable=editable,
        analyses=ANALYSES,
        covariates=COVARIATES,
        subgroups=SUBGROUPS,
        arms={arm.id: arm.name for arm in trial.arms},
    )
    return page, status


@bp.get("/trials/<int:trial_id>/plan")
@role_required(Role.EVALUATOR)
def show(trial_id: int):
    """The plan in force: the draft as a form, or the locked version read-only."""
    return _page(_trial(trial_id))


@bp.post("/trials/<int:trial_id>/plan")
@role_required(Role.EVALUATOR)
def save(trial_id: int):
    """Save the draft plan."""
    trial = _trial(trial_id)
    form = plan_form(trial, None, posted=True)
    if not form.validate_on_submit():
        return _page(trial, form=form, status=422)
    try:
        services.save_plan(db.session, trial, actor=current_user, data=form.plan_input(trial))
    except InvalidInput as error:
        db.session.rollback()
        form[error.field].errors = [*form[error.field].errors, error.message]
        return _page(trial, form=form, status=422)
    db.session.commit()
    flash("Draft plan saved. Lock it before the trial's data are locked.", "success")
    return redirect(url_for(".show", trial_id=trial.id))


@bp.post("/trials/<int:trial_id>/plan/lock")
@role_required(Role.EVALUATOR)
def lock(trial_id: int):
    """Lock the draft: every run from now on follows it."""
    trial = _trial(trial_id)
    plan = services.lock_plan(db.session, trial, actor=current_user)
    db.session.commit()
    flash(f"Version {plan.version} of the analysis plan is locked.", "success")
    return redirect(url_for(".show", trial_id=trial.id))


@bp.post("/trials/<int:trial_id>/plan/amend")
@role_required(Role.EVALUATOR)
def amend(trial_id: int):
    """Start a new draft version from the locked plan, with a reason."""
    trial = _trial(trial_id)
    form = AmendForm()
    if not form.validate_on_submit():
        return _page(trial, amend_form=form, status=422)
    plan = services.amend_plan(db.session, trial, actor=current_user, reason=form.reason.data)
    db.session.commit()
    flash(f"Version {plan.version} is a new draft. Make the changes, then lock it.", "success")
    return redirect(url_for(".show", trial_id=trial.id))
