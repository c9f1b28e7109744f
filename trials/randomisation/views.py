"""Emergency unblinding pages: reveal one participant's arm, and the trial's unblinding log.

Only administrators and the trial's lead researcher reach them (other researchers get 403
on a trial they can see, 404 otherwise); companies and every other role get 403.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.randomisation import queries
from trials.randomisation.forms import UnblindForm
from trials.randomisation.unblinding import unblind as unblind_enrolment

bp = Blueprint("randomisation", __name__, url_prefix="/randomisation")


@bp.route("/enrolments/<int:enrolment_id>/unblind", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.RESEARCHER)
def unblind(enrolment_id: int):
    """Ask for the reason, then record the unblinding and show the participant's arm."""
    enrolment, trial = queries.get_unblindable_enrolment_or_404(
        db.session, enrolment_id, for_user=current_user
    )
    form = UnblindForm()
    context = {"trial": trial, "enrolment": enrolment, "form": form}
    if not form.is_submitted():
        return render_template("randomisation/unblind.html", **context)
    if not form.validate():
        return render_template("randomisation/unblind.html", **context), 422
    try:
        unblind_enrolment(
            db.session, enrolment, trial=trial, actor=current_user, reason=form.reason.data
        )
    except InvalidInput as e:
        show_error(form, e)
        return render_template("randomisation/unblind.html", **context), 422
    db.session.commit()
    return render_template("randomisation/unblinded.html", trial=trial, enrolment=enrolment)


@bp.get("/")
@role_required(Role.ADMIN, Role.RESEARCHER)
def index():
    """The trials the user may unblind in (every one for an admin, else those they lead)."""
    page = db.paginate(
        queries.query_unblindable_trials(current_user),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template("randomisation/index.html", page=page)


@bp.get("/trials/<int:trial_id>/unblindings")
@role_required(Role.ADMIN, Role.RESEARCHER)
def unblindings(trial_id: int):
    """The trial's emergency unblindings, newest first: who, when and why (not the arm);
    and a box to find the participant to unblind by their code (``?code=``)."""
    trial = queries.get_unblinding_trial_or_404(db.session, trial_id, for_user=current_user)
    code = request.args.get("code", "").strip()
    code_error = None
    if "code" in request.args:
        enrolment = queries.find_randomised(db.session, trial.id, code) if code else None
        if enrolment is not None:
            return redirect(url_for(".unblind", enrolment_id=enrolment.id))
        code_error = (
            f"No randomised participant in this trial has the code {code}"
            if code
            else "Enter the participant's code, for example WFH-3F9A2C"
        )
    page = db.paginate(
        queries.query_unblindings(trial.id),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    particulars = queries.unblinding_particulars(db.session, page.items)
    return render_template(
        "randomisation/unblindings.html",
        trial=trial,
        page=page,
        particulars=particulars,
        code=code,
        code_error=code_error,
    ), (422 if code_error else 200)
