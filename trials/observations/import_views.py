"""The researcher's page for importing outcome values from a CSV file, all or nothing."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.extensions import db
from livinglab.security import role_required
from trials.observations.import_forms import TOO_LARGE, ObservationImportForm, file_description
from trials.observations.imports import MAX_BYTES, ImportRefused, RowProblem, import_observations
from trials.permissions import can_run_trial
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404

bp = Blueprint("observation_imports", __name__, url_prefix="/enrolment")

TEMPLATE = "observations/import.html"
#: The largest request body read: the file plus room for the CSRF token.
MAX_REQUEST_BYTES = MAX_BYTES + 64 * 1024


def _page(trial: Trial, form: ObservationImportForm, status: int = 200, problems=()):
    return render_template(TEMPLATE, trial=trial, form=form, problems=problems), status


@bp.route("/trials/<int:trial_id>/import", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def import_file(trial_id: int):
    """Upload a CSV of outcome values; a file with any bad line imports nothing."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_run_trial, particulars=False
    )
    request.max_content_length = MAX_REQUEST_BYTES
    form = ObservationImportForm()
    # Before anything can roll the session back (and expire the trial).
    form.file.description = file_description(trial)
    if not form.validate_on_submit():
        return _page(trial, form, 422 if form.errors else 200)
    try:
        text = form.file.data.read().decode("utf-8-sig")
        result = import_observations(db.session, trial, text, current_user)
    except UnicodeDecodeError:
        form.file.errors.append("The file must be a CSV file saved as UTF-8")
        return _page(trial, form, 422)
    except ImportRefused as error:
        db.session.rollback()
        return _refused(trial, form, error.problems)
    db.session.commit()
    flash(
        f"Imported {result.imported} values; {result.already_there} were already recorded.",
        "success",
    )
    return redirect(url_for("enrolment.trial", trial_id=trial.id))


def _refused(trial: Trial, form: ObservationImportForm, problems: list[RowProblem]):
    lines = {problem.line for problem in problems if problem.line}
    if lines:
        summary = f"{len(lines)} line(s) of the file have problems. Nothing was imported"
    else:
        summary = f"{problems[0].message}. Nothing was imported"
    form.file.errors.append(summary)
    return _page(trial, form, 422, problems)


@bp.errorhandler(413)
def file_too_large(error):
    trial = get_trial_or_404(
        request.view_args["trial_id"],
        for_user=current_user,
        action=can_run_trial,
        particulars=False,
    )
    form = ObservationImportForm(formdata=None)
    form.file.description = file_description(trial)
    form.file.errors = [TOO_LARGE]
    return _page(trial, form, 413)
