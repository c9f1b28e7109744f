"""Monitoring pages: a trial's recruitment and representativeness, and the reference data.

Figures are counts only (no participant is named or coded), for research staff running
the trial, evaluators and admins. Companies follow recruitment on their own dashboard,
where small numbers are suppressed.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.extensions import db
from livinglab.security import role_required
from trials.monitoring.charts import recruitment_chart, representativeness_chart
from trials.monitoring.forms import ReferenceUploadForm
from trials.monitoring.models import ReferencePopulation
from trials.monitoring.recruitment import cumulative_by_month, recruitment_progress
from trials.monitoring.reference import (
    DIMENSIONS,
    ReferenceFileError,
    current_reference,
    load_reference,
)
from trials.monitoring.representativeness import representativeness
from trials.permissions import can_run_trial
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404
from trials.states import TrialStatus

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")

#: Trial states with recruitment to monitor.
MONITORED = frozenset(
    {
        TrialStatus.RECRUITING,
        TrialStatus.FOLLOW_UP,
        TrialStatus.LOCKED,
        TrialStatus.EVALUATED,
        TrialStatus.DECIDED,
    }
)
MAX_REFERENCE_FILE_BYTES = 64 * 1024


def can_monitor(user: User, trial: Trial) -> bool:
    """Research staff running the trial, evaluators and admins, once recruitment opened."""
    if trial.status not in MONITORED:
        return False
    return can_run_trial(user, trial) or user.has_role(Role.EVALUATOR, Role.ADMIN)


@bp.get("/trials/<int:trial_id>")
@role_required(Role.RESEARCHER, Role.EVALUATOR, Role.ADMIN)
def trial(trial_id: int):
    """Recruitment against target, rates, visit completion and representativeness."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=can_monitor, particulars=False)
    sites = {ts.site.code: ts.site for ts in trial.approved_sites}
    chosen = request.args.get("site", "")
    if chosen and chosen not in sites:
        abort(404)
    site_ids = [sites[chosen].id] if chosen else None
    progress = recruitment_progress(db.session, trial, site_ids=site_ids)
    site_names = {figures.site_id: figures.name for figures in progress.sites}
    comparison = representativeness(
        db.session, trial.id, current_reference(db.session), site_ids=site_ids
    )
    return render_template(
        "monitoring/trial.html",
        trial=trial,
        sites=sorted(sites.values(), key=lambda site: site.name),
        chosen=chosen,
        progress=progress,
        months=cumulative_by_month(progress),
        site_names=site_names,
        chart=recruitment_chart(
            progress, site_names, start=trial.recruitment_start, end=trial.recruitment_end
        ),
        comparison=comparison,
        comparison_chart=representativeness_chart(comparison.tables),
    )


def _reference_page(form: ReferenceUploadForm, status: int = 200, problems=()):
    history = db.session.scalars(
        select(ReferencePopulation).order_by(ReferencePopulation.id.desc()).limit(20)
    ).all()
    return (
        render_template(
            "monitoring/reference.html",
            form=form,
            reference=current_reference(db.session),
            dimensions=DIMENSIONS,
            history=history,
            problems=problems,
        ),
        status,
    )


@bp.route("/reference-population", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def reference_population():
    """The Dorset figures in use, and loading new ones (a file with any problem is refused)."""
    request.max_content_length = MAX_REFERENCE_FILE_BYTES
    form = ReferenceUploadForm()
    if not form.validate_on_submit():
        return _reference_page(form, 422 if form.errors else 200)
    try:
        text = form.file.data.read().decode("utf-8-sig")
        load_reference(db.session, text, source=form.source.data, actor=current_user)
    except UnicodeDecodeError:
        form.file.errors.append("The file must be a CSV file saved as UTF-8")
        return _reference_page(form, 422)
    except ReferenceFileError as error:
        db.session.rollback()
        form.file.errors.append(
            f"The file has {len(error.problems)} problem(s). Nothing was saved."
        )
        return _reference_page(form, 422, error.problems)
    db.session.commit()
    flash("The new reference population is now used for every comparison.", "success")
    return redirect(url_for(".reference_population"))


@bp.errorhandler(413)
def file_too_large(error):
    form = ReferenceUploadForm(formdata=None)
    form.file.errors = [f"The file must be smaller than {MAX_REFERENCE_FILE_BYTES // 1024} KB"]
    return _reference_page(form, 413)
