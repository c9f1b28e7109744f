"""Research staff's adverse event pages: report, list per trial, correct.

Only researchers at an approved site of the trial reach them, and only for participants
at their own sites (404 otherwise); every other role gets 403, so companies never see an
individual adverse event.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.db import utcnow
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.enrolment.models import Enrolment
from trials.enrolment.queries import get_site_enrolment_or_404
from trials.permissions import can_run_trial
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404
from trials.safety import queries, services
from trials.safety.forms import AdverseEventForm, CorrectionForm, correction_form

bp = Blueprint("safety", __name__, url_prefix="/safety")


def _trial_of(enrolment: Enrolment) -> Trial:
    return get_trial_or_404(
        enrolment.trial_id, for_user=current_user, action=can_run_trial, particulars=False
    )


def _problems(form: AdverseEventForm, enrolment: Enrolment) -> bool:
    """Put every rule the draft breaks on its field; True when there was one."""
    found = services.problems(
        form.to_draft(),
        consented=services.consented_on(enrolment),
        today=utcnow().date(),
    )
    for name, message in found.items():
        form[name].errors.append(message)
    return bool(found)


@bp.route("/enrolments/<int:enrolment_id>/adverse-events/new", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def report(enrolment_id: int):
    """Report an adverse event for one participant."""
    enrolment = get_site_enrolment_or_404(db.session, enrolment_id, for_user=current_user)
    trial = _trial_of(enrolment)
    form = AdverseEventForm()
    page = "safety/report.html"
    if not form.is_submitted():
        return render_template(page, trial=trial, enrolment=enrolment, form=form)
    if not form.validate() or _problems(form, enrolment):
        return render_template(page, trial=trial, enrolment=enrolment, form=form), 422
    try:
        event = services.report_adverse_event(
            db.session, enrolment, trial=trial, actor=current_user, draft=form.to_draft()
        )
    except InvalidInput as e:
        show_error(form, e)
        return render_template(page, trial=trial, enrolment=enrolment, form=form), 422
    db.session.commit()
    alert = " Research staff at the trial's sites have been emailed." if event.is_serious else ""
    flash(f"Adverse event reported for {enrolment.participant_code}.{alert}", "success")
    return redirect(url_for(".trial_events", trial_id=trial.id))


@bp.get("/trials/<int:trial_id>/adverse-events")
@role_required(Role.RESEARCHER)
def trial_events(trial_id: int):
    """The trial's adverse events at the researcher's sites, serious ones first."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_run_trial, particulars=False
    )
    page = db.paginate(
        queries.query_trial_events(trial.id, current_user.site_ids),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    serious = queries.count_serious(db.session, trial.id, current_user.site_ids)
    return render_template("safety/list.html", trial=trial, page=page, serious=serious)


@bp.route("/adverse-events/<int:event_id>/correct", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def correct(event_id: int):
    """Correct an adverse event's details, with a reason."""
    event = queries.get_site_event_or_404(db.session, event_id, for_user=current_user)
    enrolment = event.enrolment
    trial = _trial_of(enrolment)
    form = CorrectionForm() if request.method == "POST" else correction_form(event)
    context = {"trial": trial, "enrolment": enrolment, "event": event, "form": form}
    if not form.is_submitted():
        return render_template("safety/correct.html", **context)
    if not form.validate() or _problems(form, enrolment):
        return render_template("safety/correct.html", **context), 422
    try:
        services.correct_adverse_event(
            db.session,
            event,
            enrolment=enrolment,
            trial=trial,
            actor=current_user,
            draft=form.to_draft(),
            reason=form.reason.data,
        )
    except InvalidInput as e:
        show_error(form, e)
        return render_template("safety/correct.html", **context), 422
    db.session.commit()
    flash(f"Adverse event for {enrolment.participant_code} corrected.", "success")
    return redirect(url_for(".trial_events", trial_id=trial.id))
