"""The research team screens the registry for a trial, and invites volunteers from the list.

Researchers at an approved site of the trial only (another site's researcher gets 404,
other roles 403), while the trial is approved or recruiting; invitations go out only while
it is recruiting.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.eligibility import rules, screening
from trials.invitations import queries as invitation_queries
from trials.invitations import services as invitations
from trials.invitations.forms import InviteForm
from trials.permissions import can_run_trial
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404
from trials.states import OPEN_FOR_ENROLMENT

bp = Blueprint("screening", __name__, url_prefix="/enrolment")


def _screenable_trial(trial_id: int) -> Trial:
    trial = get_trial_or_404(trial_id, for_user=current_user, action=can_run_trial)
    if trial.status not in screening.SCREENING_STATES:
        abort(404)
    return trial


def _invite_form(trial: Trial) -> InviteForm:
    """The invite form, offering the researcher's own sites among the trial's approved ones."""
    sites = [ts for ts in trial.approved_sites if ts.site_id in current_user.site_ids]
    return InviteForm(sites=sites)


def _page(trial: Trial, form: InviteForm, status: int = 200):
    """The funnel, a page of matching volunteers with their status, and the invite form."""
    today = rules.today_in_uk()
    page = screening.VolunteerPagination(
        select=screening.query_eligible(trial, today),
        session=db.session,
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    context = {
        "trial": trial,
        "funnel": screening.screening_funnel(db.session, trial, today),
        "page": page,
        "criteria": rules.requirements(trial.eligibility),
        "form": form,
        "can_invite": trial.status in OPEN_FOR_ENROLMENT,
        "invitation_counts": invitation_queries.count_by_status(
            db.session, trial.id, current_user.site_ids
        ),
    }
    return render_template("eligibility/screening.html", **context), status


@bp.get("/trials/<int:trial_id>/screening")
@role_required(Role.RESEARCHER)
def trial(trial_id: int):
    """How many opted-in volunteers match each criterion in turn, and a page of them."""
    trial = _screenable_trial(trial_id)
    return _page(trial, _invite_form(trial))


@bp.post("/trials/<int:trial_id>/screening")
@role_required(Role.RESEARCHER)
def invite(trial_id: int):
    """Invite the selected volunteers; the whole batch is refused if anyone cannot be."""
    trial = _screenable_trial(trial_id)
    form = _invite_form(trial)
    if not form.validate_on_submit():
        return _page(trial, form, 422)
    try:
        sent = invitations.invite(
            db.session,
            trial=trial,
            participant_ids=form.participant_ids.data,
            site_id=form.site_id.data,
            actor=current_user,
            override_reason=form.override_reason.data,
        )
    except InvalidInput as error:
        show_error(form, error)
        return _page(trial, form, 422)
    db.session.commit()
    flash(f"{len(sent)} volunteer{'' if len(sent) == 1 else 's'} invited and emailed.", "success")
    return redirect(url_for(".trial", trial_id=trial.id, page=request.args.get("page", type=int)))
