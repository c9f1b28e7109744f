"""The pipeline moves staff make from the participant page (routes on the enrolment blueprint).

Each POST loads the enrolment at one of the researcher's sites (404 otherwise), checks
the form, calls one service from :mod:`trials.enrolment.pipeline` and commits. An
illegal move is shown on the participant page with status 409; a missing reason with 422.
The services refuse before changing anything, so a refusal needs no rollback.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from livinglab.accounts.roles import Role
from livinglab.errors import IllegalTransition, InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.enrolment import pipeline
from trials.enrolment.forms import LostForm, MoveForm, WithdrawOnBehalfForm
from trials.enrolment.models import Enrolment
from trials.enrolment.pipeline import Move
from trials.enrolment.views import _enrolment_and_trial, bp, participant_page
from trials.proposals.models import Trial

#: Move -> (form class, field prefix); the participant page names the form ``<prefix>_form``.
FORMS: dict[Move, tuple[type[FlaskForm], str]] = {
    Move.SCREEN: (MoveForm, "screen"),
    Move.COMPLETE: (MoveForm, "complete"),
    Move.LOSE: (LostForm, "lost"),
    Move.WITHDRAW: (WithdrawOnBehalfForm, "withdraw"),
}

DONE = {
    Move.SCREEN: "{code} screened: every criterion is met.",
    Move.COMPLETE: "{code} has completed follow-up.",
    Move.LOSE: "{code} recorded as lost to follow-up; their open visits are marked missed.",
    Move.WITHDRAW: "Withdrawal recorded for {code}.",
}


def _make(move: Move, session, enrolment: Enrolment, trial: Trial, form: FlaskForm) -> None:
    """Call the service for ``move`` with the form's values."""
    common = {"trial": trial, "actor": current_user, "reason": form.reason.data}
    if move is Move.SCREEN:
        pipeline.screen(session, enrolment, **common)
    elif move is Move.COMPLETE:
        pipeline.complete(session, enrolment, **common)
    elif move is Move.LOSE:
        pipeline.lose_to_follow_up(session, enrolment, **common)
    else:
        pipeline.withdraw_on_behalf(session, enrolment, scope=form.scope.data, **common)


@bp.post("/enrolments/<int:enrolment_id>/moves/<move>")
@role_required(Role.RESEARCHER)
def move(enrolment_id: int, move: str):
    """Screen, complete, record lost to follow-up, or record a withdrawal for the participant."""
    enrolment, trial = _enrolment_and_trial(enrolment_id)
    try:
        chosen = Move(move)
        form_class, prefix = FORMS[chosen]
    except (ValueError, KeyError):
        abort(404)
    form = form_class(prefix=prefix)
    if isinstance(form, WithdrawOnBehalfForm):
        form.offer(pipeline.withdrawal_scopes(db.session, enrolment))
    forms = {f"{prefix}_form": form}
    if not form.validate():
        return participant_page(enrolment, trial, 422, **forms)
    try:
        _make(chosen, db.session, enrolment, trial, form)
    except InvalidInput as e:
        show_error(form, e)
        return participant_page(enrolment, trial, 422, **forms)
    except IllegalTransition as e:
        return participant_page(enrolment, trial, 409, error=e.message, **forms)
    db.session.commit()
    flash(DONE[chosen].format(code=enrolment.participant_code), "success")
    return redirect(url_for(".participant", enrolment_id=enrolment.id))
