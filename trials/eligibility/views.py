"""The participant checks whether they can take part in a trial and registers interest."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from livinglab.accounts.roles import Role
from livinglab.errors import IllegalTransition, InvalidInput
from livinglab.extensions import db
from livinglab.participants.models import Participant
from livinglab.participants.queries import current_participant
from livinglab.security import role_required
from trials.consent.services import current_consent_form
from trials.eligibility import rules, services
from trials.eligibility.forms import InterestForm
from trials.enrolment.models import WAITING_TO_CONSENT
from trials.proposals.models import Trial, TrialSite
from trials.states import OPEN_FOR_ENROLMENT

bp = Blueprint("eligibility", __name__)


def _recruiting_trial_or_404(trial_id: int) -> Trial:
    """The recruiting trial with its sites and criteria (all these pages need), else 404."""
    trial = db.session.scalar(
        select(Trial)
        .where(Trial.id == trial_id, Trial.status.in_(OPEN_FOR_ENROLMENT))
        .options(
            selectinload(Trial.trial_sites).joinedload(TrialSite.site),
            joinedload(Trial.eligibility),
        )
    )
    if trial is None:
        abort(404)
    return trial


def _page(participant: Participant, trial: Trial, form: InterestForm, status: int = 200):
    """The eligibility page: each criterion met or not, then the next step that applies."""
    results = rules.check(trial.eligibility, participant, rules.today_in_uk())
    enrolment = services.enrolment_of(db.session, participant.id, trial.id)
    interested = enrolment is not None and enrolment.status in WAITING_TO_CONSENT
    context = {
        "trial": trial,
        "results": results,
        "eligible": all(result.met for result in results),
        "enrolment": enrolment,
        "interested": interested,
        "can_consent": interested and current_consent_form(db.session, trial.id) is not None,
        "form": form,
    }
    return render_template("eligibility/check.html", **context), status


@bp.get("/trials/<int:trial_id>/eligibility")
@role_required(Role.PARTICIPANT)
def check(trial_id: int):
    """Whether the signed-in participant meets each of the trial's criteria."""
    participant = current_participant()
    trial = _recruiting_trial_or_404(trial_id)
    return _page(participant, trial, InterestForm(sites=trial.approved_sites))


@bp.post("/trials/<int:trial_id>/interest")
@role_required(Role.PARTICIPANT)
def register_interest(trial_id: int):
    """Register interest at the chosen site; the research team gets in touch."""
    participant = current_participant()
    trial = _recruiting_trial_or_404(trial_id)
    form = InterestForm(sites=trial.approved_sites)
    if not form.validate_on_submit():
        return _page(participant, trial, form, 422)
    try:
        enrolment = services.register_interest(
            db.session, participant=participant, trial=trial, site_id=form.site_id.data
        )
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        form[error.field].errors.append(error.message)
        return _page(participant, trial, form, 422)
    except IntegrityError:
        # Only a second submission racing the first (a double click) gets here.
        db.session.rollback()
        raise IllegalTransition("You have already registered interest in this trial.") from None
    flash(
        f"You have registered interest in {trial.title}. The research team at "
        f"{enrolment.site.name} will contact you about what happens next.",
        "success",
    )
    return redirect(url_for("consent.my_trials"))
