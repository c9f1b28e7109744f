"""The researcher's enrolment pages: participants, randomisation, recording outcomes.

Only research staff reach these pages, and only for participants at their own sites; the
allocation shown here never reaches company users (they get 403 on every URL).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import Select

from livinglab.accounts.roles import Role
from livinglab.errors import IllegalTransition, InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from trials.eligibility.rules import today_in_uk
from trials.enrolment import pipeline, queries
from trials.enrolment.forms import (
    LostForm,
    MoveForm,
    ObservationForm,
    WithdrawOnBehalfForm,
)
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.enrolment.services import randomise as randomise_enrolment
from trials.followup.models import VisitStatus
from trials.followup.queries import query_schedule
from trials.followup.services import attend_on_recording
from trials.observations.services import RECORDABLE, record_observation
from trials.permissions import can_run_trial
from trials.proposals.models import Trial, TrialDesign
from trials.queries import get_trial_or_404, trial_for_allocation
from trials.randomisation.permissions import can_unblind
from trials.states import DATA_OPEN, OPEN_FOR_ENROLMENT

bp = Blueprint("enrolment", __name__, url_prefix="/enrolment")


def _format_value(value: float | None) -> str:
    """An outcome value as typed: ``12.5``, ``120`` (no trailing zeros)."""
    return "" if value is None else f"{value:g}"


bp.add_app_template_filter(_format_value, "outcome_value")


def _enrolment_and_trial(
    enrolment_id: int, query: Select[tuple[Trial]] | None = None
) -> tuple[Enrolment, Trial]:
    """The enrolment at one of the user's sites (else 404) and its trial (404/403)."""
    enrolment = queries.get_site_enrolment_or_404(db.session, enrolment_id, for_user=current_user)
    trial = get_trial_or_404(
        enrolment.trial_id,
        for_user=current_user,
        action=can_run_trial,
        particulars=False,
        query=query,
    )
    return enrolment, trial


def _can_randomise(trial: Trial, enrolment: Enrolment) -> bool:
    return trial.status in OPEN_FOR_ENROLMENT and enrolment.status is EnrolmentStatus.CONSENTED


def _can_record(trial: Trial, enrolment: Enrolment) -> bool:
    return (
        trial.status in DATA_OPEN
        and enrolment.status in RECORDABLE
        and trial.primary_measure is not None
    )


@bp.get("/")
@role_required(Role.RESEARCHER)
def index():
    """Trials the researcher runs that are recruiting or in follow-up, with their site counts."""
    page = db.paginate(
        queries.query_runnable_trials(current_user),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    counts = queries.count_enrolments_by_trial(
        db.session, [trial.id for trial in page.items], current_user.site_ids
    )
    return render_template(
        "enrolment/index.html", page=page, counts=counts, empty=queries.SiteCounts()
    )


@bp.get("/trials/<int:trial_id>")
@role_required(Role.RESEARCHER)
def trial(trial_id: int):
    """The trial's participants at the researcher's sites: arm, recorded values, actions."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_run_trial, particulars=False
    )
    page = db.paginate(
        queries.query_site_enrolments(trial.id, current_user.site_ids),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    measure = trial.primary_measure
    values = queries.primary_values(
        db.session, [e.id for e in page.items], measure.id if measure else None
    )
    return render_template(
        "enrolment/trial.html",
        trial=trial,
        measure=measure,
        page=page,
        values=values,
        can_randomise=_can_randomise,
        can_record=_can_record,
        can_unblind=can_unblind(current_user, trial),
    )


@bp.post("/enrolments/<int:enrolment_id>/randomise")
@role_required(Role.RESEARCHER)
def randomise(enrolment_id: int):
    """Allocate a consented participant to an arm from the concealed list."""
    enrolment, trial = _enrolment_and_trial(enrolment_id, trial_for_allocation())
    randomise_enrolment(db.session, enrolment, trial=trial, actor=current_user)
    db.session.commit()
    started = trial.design is TrialDesign.SINGLE_ARM
    flash(
        f"{enrolment.participant_code} "
        f"{'started on' if started else 'randomised to'} {enrolment.arm.name}.",
        "success",
    )
    return redirect(url_for(".trial", trial_id=trial.id))


def _chosen_visit(trial: Trial) -> int | None:
    """The visit named by ``?visit_id=`` (from the visit page), if it is one of the trial's."""
    chosen = request.args.get("visit_id", type=int)
    return chosen if any(v.id == chosen for v in trial.visits) else None


def _record_page(trial: Trial, enrolment: Enrolment, form: ObservationForm, status: int = 200):
    measure = trial.primary_measure
    values = queries.primary_values(db.session, [enrolment.id], measure.id if measure else None)
    page = render_template(
        "enrolment/record.html",
        trial=trial,
        enrolment=enrolment,
        measure=measure,
        values=values,
        form=form,
    )
    return page, status


@bp.route("/enrolments/<int:enrolment_id>/observations", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def record(enrolment_id: int):
    """Record (or correct, with a reason) the primary outcome at one visit."""
    enrolment, trial = _enrolment_and_trial(enrolment_id)
    measure = trial.primary_measure
    if measure is None:
        abort(404)
    if trial.status not in DATA_OPEN:
        raise IllegalTransition("This trial's data are locked; no values can be recorded.")
    if enrolment.status not in RECORDABLE:
        raise IllegalTransition(
            f"Values cannot be recorded for a participant who is {enrolment.status.label.lower()}."
        )
    form = ObservationForm(visits=trial.visits)
    if not form.is_submitted():
        recorded = queries.primary_values(db.session, [enrolment.id], measure.id)
        # Suggest the first visit still missing a value that can be recorded now.
        open_visits = [
            v
            for v in trial.visits
            if v.is_baseline or enrolment.status is not EnrolmentStatus.CONSENTED
        ]
        form.visit_id.data = _chosen_visit(trial) or next(
            (v.id for v in open_visits if (enrolment.id, v.id) not in recorded), None
        )
        return _record_page(trial, enrolment, form)
    if not form.validate():
        return _record_page(trial, enrolment, form, 422)
    visit = next(v for v in trial.visits if v.id == form.visit_id.data)
    reason = (form.reason.data or "").strip() or None
    try:
        record_observation(
            db.session,
            enrolment,
            trial=trial,
            visit=visit,
            measure=measure,
            value=form.value.data,
            actor=current_user,
            reason=reason,
        )
    except InvalidInput as e:
        field = e.field if e.field in form else "value"
        form[field].errors.append(e.message)
        return _record_page(trial, enrolment, form, 422)
    except IllegalTransition as e:
        # The states were checked above, so this is a follow-up visit before randomisation.
        form.visit_id.errors.append(e.message)
        return _record_page(trial, enrolment, form, 422)
    attend_on_recording(
        db.session,
        enrolment,
        trial=trial,
        visit_id=visit.id,
        actor=current_user,
        today=today_in_uk(),
    )
    db.session.commit()
    flash(
        f"{measure.name} at {visit.name} recorded for {enrolment.participant_code}.",
        "success",
    )
    return redirect(url_for(".trial", trial_id=trial.id))


def participant_page(
    enrolment: Enrolment, trial: Trial, status: int = 200, error: str | None = None, **forms: Any
):
    """The participant page, with any form that failed (its errors summarised at the top)."""
    schedule = db.session.scalars(query_schedule(enrolment.id)).all()
    scopes = pipeline.withdrawal_scopes(db.session, enrolment)
    open_visits = sum(visit.status is VisitStatus.SCHEDULED for visit in schedule)
    blank = {
        "screen_form": MoveForm(formdata=None, prefix="screen"),
        "complete_form": MoveForm(formdata=None, prefix="complete"),
        "lost_form": LostForm(formdata=None, prefix="lost"),
        "withdraw_form": WithdrawOnBehalfForm(formdata=None, prefix="withdraw"),
    }
    forms = {**blank, **forms}
    forms["withdraw_form"].offer(scopes)
    page = render_template(
        "enrolment/participant.html",
        trial=trial,
        enrolment=enrolment,
        schedule=schedule,
        values=db.session.scalars(queries.query_recorded_values(enrolment.id)).all(),
        moves=pipeline.allowed_moves(enrolment, trial, open_visits=open_visits, scopes=scopes),
        can_record=_can_record(trial, enrolment),
        can_unblind=can_unblind(current_user, trial),
        form=next((f for f in forms.values() if f.errors), None),
        error=error,
        **forms,
    )
    return page, status


@bp.get("/enrolments/<int:enrolment_id>")
@role_required(Role.RESEARCHER)
def participant(enrolment_id: int):
    """One participant: status, arm, visit schedule, recorded values and the moves allowed now."""
    enrolment, trial = _enrolment_and_trial(enrolment_id)
    return participant_page(enrolment, trial)


# The pipeline moves' routes join this blueprint (they need participant_page above).
from trials.enrolment import pipeline_views  # noqa: E402, F401
