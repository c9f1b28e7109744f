"""Locking and unlocking a trial's data: the trial lead (a researcher) or an evaluator.

Anyone else who may see the trial gets 403; anyone who may not see it, 404.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials import datalock
from trials.datalock_forms import LockDataForm, UnlockDataForm
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404

bp = Blueprint("datalock", __name__, url_prefix="/trials")


def _trial(trial_id: int) -> Trial:
    return get_trial_or_404(
        trial_id, for_user=current_user, action=datalock.can_lock_data, particulars=False
    )


def _back(trial: Trial) -> str:
    """The page the user came from: the evaluator's trial page or the enrolment page."""
    if current_user.has_role(Role.EVALUATOR):
        return url_for("runs.detail", trial_id=trial.id)
    return url_for("enrolment.trial", trial_id=trial.id)


@bp.route("/<int:trial_id>/lock-data", methods=["GET", "POST"])
@role_required(Role.RESEARCHER, Role.EVALUATOR)
def lock(trial_id: int):
    """Lock the trial's data once follow-up has ended."""
    trial = _trial(trial_id)
    form = LockDataForm()
    context = {"trial": trial, "form": form, "back": _back(trial)}
    if not form.is_submitted():
        return render_template("datalock/lock.html", **context)
    if not form.validate():
        return render_template("datalock/lock.html", **context), 422
    datalock.lock_data(db.session, trial, actor=current_user, note=form.note.data)
    db.session.commit()
    flash("Trial data locked. No more values can be recorded.", "success")
    return redirect(context["back"])


@bp.route("/<int:trial_id>/unlock-data", methods=["GET", "POST"])
@role_required(Role.RESEARCHER, Role.EVALUATOR)
def unlock(trial_id: int):
    """Unlock the trial's data for corrections, with a reason."""
    trial = _trial(trial_id)
    form = UnlockDataForm()
    context = {"trial": trial, "form": form, "back": _back(trial)}
    if not form.is_submitted():
        return render_template("datalock/unlock.html", **context)
    if not form.validate():
        return render_template("datalock/unlock.html", **context), 422
    try:
        datalock.unlock_data(db.session, trial, actor=current_user, reason=form.reason.data)
    except InvalidInput as error:
        show_error(form, error)
        return render_template("datalock/unlock.html", **context), 422
    db.session.commit()
    flash("Trial data unlocked. Values can be corrected again, each with a reason.", "success")
    return redirect(context["back"])
