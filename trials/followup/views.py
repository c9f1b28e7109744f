"""Research staff's follow-up pages: the visit lists per trial, and recording one visit.

Only researchers at an approved site of the trial reach them, and only for participants
at their own sites (404 otherwise); other roles get 403. Participants appear by code only.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.eligibility.rules import today_in_uk
from trials.followup import queries, services
from trials.followup.forms import AttendedForm, MissedForm
from trials.followup.models import ScheduledVisit
from trials.permissions import can_run_trial
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404

bp = Blueprint("followup", __name__, url_prefix="/followup")


def day_text(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _trial(trial_id: int) -> Trial:
    return get_trial_or_404(
        trial_id, for_user=current_user, action=can_run_trial, particulars=False
    )


@bp.get("/trials/<int:trial_id>/visits")
@role_required(Role.RESEARCHER)
def visits(trial_id: int):
    """Visits due, overdue, upcoming or missed at the researcher's sites, with counts."""
    trial = _trial(trial_id)
    show = queries.visit_list_named(request.args.get("show"))
    today = today_in_uk()
    page = db.paginate(
        queries.query_visit_list(trial.id, current_user.site_ids, show, today=today),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    counts = queries.count_visit_lists(db.session, trial.id, current_user.site_ids, today=today)
    return render_template(
        "followup/visits.html", trial=trial, show=show, page=page, counts=counts, today=today
    )


def _visit_page(visit: ScheduledVisit, trial: Trial, status: int = 200, **forms):
    forms.setdefault("attended_form", AttendedForm(formdata=None))
    forms.setdefault("missed_form", MissedForm(formdata=None))
    failed = next((f for f in forms.values() if f.errors), None)
    page = render_template(
        "followup/visit.html", visit=visit, trial=trial, form=failed, today=today_in_uk(), **forms
    )
    return page, status


@bp.get("/visits/<int:visit_id>")
@role_required(Role.RESEARCHER)
def visit(visit_id: int):
    """One scheduled visit: record it as attended (then its values) or as missed."""
    visit = queries.get_site_visit_or_404(db.session, visit_id, for_user=current_user)
    return _visit_page(visit, _trial(visit.trial_id))


@bp.post("/visits/<int:visit_id>/attended")
@role_required(Role.RESEARCHER)
def attended(visit_id: int):
    """Mark the visit attended, then go straight on to recording its outcome values."""
    visit = queries.get_site_visit_or_404(db.session, visit_id, for_user=current_user)
    enrolment, trial = visit.enrolment, _trial(visit.trial_id)
    form = AttendedForm()
    if not form.validate():
        return _visit_page(visit, trial, 422, attended_form=form)
    try:
        services.mark_attended(
            db.session,
            visit,
            enrolment=enrolment,
            trial=trial,
            actor=current_user,
            attended_on=form.attended_on.data,
            today=today_in_uk(),
        )
    except InvalidInput as e:
        show_error(form, e)
        return _visit_page(visit, trial, 422, attended_form=form)
    db.session.commit()
    flash(f"{visit.visit.name} attended by {enrolment.participant_code}.", "success")
    if not visit.window_opens <= form.attended_on.data <= visit.window_closes:
        flash(
            f"That date is outside the visit window ({day_text(visit.window_opens)} to "
            f"{day_text(visit.window_closes)}). Record it as a protocol deviation if the "
            "protocol asks you to.",
            "warning",
        )
    return redirect(url_for("enrolment.record", enrolment_id=enrolment.id, visit_id=visit.visit_id))


@bp.post("/visits/<int:visit_id>/missed")
@role_required(Role.RESEARCHER)
def missed(visit_id: int):
    """Mark the visit missed, with the reason."""
    visit = queries.get_site_visit_or_404(db.session, visit_id, for_user=current_user)
    enrolment, trial = visit.enrolment, _trial(visit.trial_id)
    form = MissedForm()
    if not form.validate():
        return _visit_page(visit, trial, 422, missed_form=form)
    try:
        services.mark_missed(
            db.session,
            visit,
            enrolment=enrolment,
            trial=trial,
            actor=current_user,
            reason=form.reason.data,
        )
    except InvalidInput as e:
        show_error(form, e)
        return _visit_page(visit, trial, 422, missed_form=form)
    db.session.commit()
    flash(f"{visit.visit.name} missed by {enrolment.participant_code}.", "success")
    return redirect(url_for(".visits", trial_id=trial.id, show="missed"))
