"""Stopping taking part in a trial, from the participant's "My trials" page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.participants.models import Participant
from livinglab.participants.my_data import DataSection, current_participant, register_source
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.consent import withdrawal
from trials.consent.services import latest_consent
from trials.consent.withdrawal_forms import WithdrawalForm
from trials.enrolment.models import Enrolment
from trials.proposals.models import Trial

bp = Blueprint("withdrawal", __name__)


def trial_sections(session: Session, participant: Participant) -> list[DataSection]:
    """The participant's trial records, as sections of their "My data" page."""
    records = withdrawal.participant_trial_records(session, participant)
    return [
        DataSection(
            "trials",
            "Trials you joined",
            {
                "trial": "Trial",
                "status": "Status",
                "site": "Site",
                "participant_code": "Your code in the trial",
                "joined_at": "Joined",
            },
            records["enrolments"],
        ),
        DataSection(
            "consent_records",
            "Consent records",
            {
                "trial": "Trial",
                "reference": "Reference",
                "kind": "Record",
                "consent_form_version": "Consent form version",
                "signed_at": "Date",
            },
            records["consents"],
        ),
        DataSection(
            "observations",
            "Measurements recorded about you",
            {
                "trial": "Trial",
                "visit": "Visit",
                "measure": "Measure",
                "value": "Value",
                "recorded_at": "Recorded",
            },
            records["observations"],
        ),
    ]


@bp.record_once
def _add_to_my_data(state: BlueprintSetupState) -> None:
    register_source(state.app, trial_sections)


def _own_enrolment_or_404(enrolment_id: int, participant: Participant) -> tuple[Enrolment, Trial]:
    """The participant's own enrolment and its trial; anyone else's id is not found."""
    row = db.session.execute(
        select(Enrolment, Trial)
        .join(Trial, Trial.id == Enrolment.trial_id)
        .where(Enrolment.id == enrolment_id, Enrolment.participant_id == participant.id)
    ).first()
    if row is None:
        abort(404)
    return row[0], row[1]


@bp.route("/my-trials/enrolments/<int:enrolment_id>/withdraw", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
def withdraw(enrolment_id: int):
    """Explain the two ways of stopping, then record the participant's choice."""
    participant = current_participant()
    enrolment, trial = _own_enrolment_or_404(enrolment_id, participant)
    scopes = withdrawal.withdrawal_choices(latest_consent(db.session, participant.id, trial.id))
    if not scopes:
        flash("You have already stopped taking part in this trial.")
        return redirect(url_for("consent.my_trials"))
    form = WithdrawalForm().offer(scopes)

    def page(status: int = 200):
        return render_template(
            "withdrawal/withdraw.html",
            trial=trial,
            enrolment=enrolment,
            form=form,
            data_locked=withdrawal.data_are_locked(trial),
        ), status

    if not form.validate_on_submit():
        return page(422 if form.errors else 200)
    try:
        withdrawal.withdraw_from_trial(
            db.session,
            participant=participant,
            trial=trial,
            scope=form.scope.data,
            reason=form.reason.data,
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return page(422)
    db.session.commit()
    flash(f"You have stopped taking part in {trial.title}.", "success")
    return redirect(url_for("consent.my_trials"))
