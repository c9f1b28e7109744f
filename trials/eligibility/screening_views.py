"""The research team screens the registry for a trial: counts by criterion, then who matches.

Researchers at an approved site of the trial only (another site's researcher gets 404,
other roles 403), while the trial is approved or recruiting.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.extensions import db
from livinglab.security import role_required
from trials.eligibility import rules, screening
from trials.permissions import can_run_trial
from trials.queries import get_trial_or_404

bp = Blueprint("screening", __name__, url_prefix="/enrolment")


@bp.get("/trials/<int:trial_id>/screening")
@role_required(Role.RESEARCHER)
def trial(trial_id: int):
    """How many opted-in volunteers match each criterion in turn, and a page of them."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=can_run_trial)
    if trial.status not in screening.SCREENING_STATES:
        abort(404)
    today = rules.today_in_uk()
    funnel = screening.screening_funnel(db.session, trial, today)
    page = screening.VolunteerPagination(
        select=screening.query_eligible(trial, today),
        session=db.session,
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template(
        "eligibility/screening.html",
        trial=trial,
        funnel=funnel,
        page=page,
        criteria=rules.requirements(trial.eligibility),
    )
