"""Participants complete the questionnaires their trial asks for, online."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select

from livinglab.accounts.roles import Role
from livinglab.errors import IllegalTransition, InvalidInput
from livinglab.extensions import db
from livinglab.participants.queries import participant_of_current_user
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.enrolment.models import Enrolment
from trials.observations.models import Observation
from trials.observations.questionnaire_forms import questionnaire_form
from trials.observations.questionnaires import submit_questionnaire
from trials.observations.services import RECORDABLE
from trials.proposals.models import Measure, Trial, TrialVisit
from trials.queries import trial_with_details
from trials.questionnaires import UnknownInstrumentError, get_instrument
from trials.states import DATA_OPEN

bp = Blueprint("questionnaires", __name__, url_prefix="/my-trials")


def _own(enrolment_id: int, visit_id: int, measure_id: int):
    """The participant's own enrolment, the trial, visit and questionnaire measure (else 404)."""
    participant = participant_of_current_user()
    enrolment = db.session.get(Enrolment, enrolment_id)
    if participant is None or enrolment is None or enrolment.participant_id != participant.id:
        abort(404)
    trial = db.session.scalar(
        trial_with_details(particulars=False).where(Trial.id == enrolment.trial_id)
    )
    visit = next((v for v in trial.visits if v.id == visit_id), None)
    measure = next((m for m in trial.measures if m.id == measure_id and m.instrument), None)
    if visit is None or measure is None:
        abort(404)
    try:
        instrument = get_instrument(
            measure.instrument, licensed_text_dir=current_app.config.get("LICENSED_TEXT_DIR")
        )
    except UnknownInstrumentError:
        abort(404)
    if not instrument.has_licensed_text:
        raise IllegalTransition(
            "This questionnaire cannot be shown online until its licensed wording is loaded."
        )
    return participant, enrolment, trial, visit, measure, instrument


@bp.route(
    "/enrolments/<int:enrolment_id>/questionnaires/<int:visit_id>/<int:measure_id>",
    methods=["GET", "POST"],
)
@role_required(Role.PARTICIPANT)
def complete(enrolment_id: int, visit_id: int, measure_id: int):
    """Answer a questionnaire for one visit; the score is recorded as the outcome value."""
    participant, enrolment, trial, visit, measure, instrument = _own(
        enrolment_id, visit_id, measure_id
    )
    form = questionnaire_form(instrument)

    def page(status: int = 200):
        return render_template(
            "questionnaires/complete.html",
            form=form,
            instrument=instrument,
            trial=trial,
            visit=visit,
        ), status

    if not form.validate_on_submit():
        return page(422 if form.errors else 200)
    try:
        _observation, result = submit_questionnaire(
            db.session,
            participant=participant,
            enrolment=enrolment,
            trial=trial,
            visit=visit,
            measure=measure,
            instrument=instrument,
            answers=form.answers(),
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return page(422)
    db.session.commit()
    if result.safety_flags:
        return render_template("questionnaires/support.html", trial=trial)
    flash(f"Thank you. Your answers to the {instrument.name} have been saved.", "success")
    return redirect(url_for("consent.my_trials"))


def questionnaires_due(session, enrolments: list[Enrolment]) -> dict[int, list[tuple]]:
    """Enrolment id -> (visit, measure) pairs with a questionnaire not yet answered."""
    open_enrolments = [e for e in enrolments if e.status in RECORDABLE]
    if not open_enrolments:
        return {}
    trial_ids = {e.trial_id for e in open_enrolments}
    rows = session.execute(
        select(Measure, TrialVisit)
        .join(TrialVisit, TrialVisit.trial_id == Measure.trial_id)
        .join(Trial, Trial.id == Measure.trial_id)
        .where(
            Measure.trial_id.in_(trial_ids),
            Measure.instrument.is_not(None),
            Trial.status.in_(DATA_OPEN),
        )
        .order_by(TrialVisit.day_offset, Measure.id)
    ).all()
    done = set(
        session.execute(
            select(Observation.enrolment_id, Observation.visit_id, Observation.measure_id).where(
                Observation.enrolment_id.in_([e.id for e in open_enrolments])
            )
        ).all()
    )
    due: dict[int, list[tuple]] = {}
    for enrolment in open_enrolments:
        randomised = enrolment.arm_id is not None
        for measure, visit in rows:
            if measure.trial_id != enrolment.trial_id or not (visit.is_baseline or randomised):
                continue
            if (enrolment.id, visit.id, measure.id) not in done:
                due.setdefault(enrolment.id, []).append((visit, measure))
    return due
