"""The participant's side of a new consent-form version: read it, agree again, or decline.

Routed by :mod:`trials.consent.version_views`. Only the participant's own trials are found.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for

from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.participants.models import Participant
from livinglab.participants.queries import current_participant
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.consent import reconsent as services
from trials.consent.forms import SignConsentForm, build_sign_form
from trials.consent.models import ConsentForm
from trials.consent.services import current_consent_form
from trials.consent.version_forms import DeclineForm
from trials.consent.version_loaders import own_trial_or_404
from trials.consent.version_queries import ConsentNotice, consent_notices
from trials.consent.versions import needs_reconsent
from trials.proposals.models import Trial
from trials.states import DATA_OPEN

NOTHING_TO_AGREE = "You do not need to agree to this trial's information again."


def reconsent_form(consent_form: ConsentForm) -> SignConsentForm:
    """The first consent's form for ``consent_form``, without the site: re-consent keeps it."""
    form = build_sign_form(consent_form, [])
    del form["site_id"]
    return form


@dataclass(frozen=True)
class _Reconsent:
    participant: Participant
    trial: Trial
    #: The version to agree to; ``None`` when there is nothing to agree to.
    consent_form: ConsentForm | None
    notice: ConsentNotice | None


def _to_reconsent(trial_id: int) -> _Reconsent:
    """The participant's own trial (else 404), the form to agree to and what changed."""
    participant = current_participant()
    trial = own_trial_or_404(trial_id, participant)
    form = needs_reconsent(db.session, participant.id, trial.id)
    if form is None or trial.status not in DATA_OPEN:
        return _Reconsent(participant, trial, None, None)
    notice = consent_notices(db.session, participant.id).get(trial.id)
    return _Reconsent(participant, trial, form, notice)


@role_required(Role.PARTICIPANT)
def reconsent(trial_id: int):
    """What changed, the new information and statements, then check answers and sign."""
    found = _to_reconsent(trial_id)
    trial, consent_form = found.trial, found.consent_form
    if consent_form is None:
        flash(NOTHING_TO_AGREE)
        return redirect(url_for("consent.my_trials"))
    form = reconsent_form(consent_form)

    def page(status: int = 200, template: str = "reconsent.html"):
        context = {
            "trial": trial,
            "consent_form": consent_form,
            "form": form,
            "notice": found.notice,
        }
        return render_template(f"consent_versions/{template}", **context), status

    if request.method == "POST" and request.form.get("change"):
        return page()  # back from "check your answers", with the answers kept
    if not form.validate_on_submit():
        return page(422 if form.errors else 200)
    if form.confirmed.data != "yes":
        return page(template="reconsent_check.html")
    try:
        consent = services.sign_reconsent(
            db.session,
            participant=found.participant,
            trial=trial,
            answers=form.answers(),
            typed_name=form.typed_name.data,
            comprehension=form.comprehension(),
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return page(422)
    db.session.commit()
    flash(f"Thank you. You have agreed to version {consent_form.version}.", "success")
    return redirect(url_for("consent.confirmation", consent_id=consent.id))


@role_required(Role.PARTICIPANT)
def decline(trial_id: int):
    """Explain what happens on stopping, then record that the participant does not carry on."""
    found = _to_reconsent(trial_id)
    trial, consent_form = found.trial, found.consent_form
    if consent_form is None:
        flash(NOTHING_TO_AGREE)
        return redirect(url_for("consent.my_trials"))
    form = DeclineForm()
    if not form.validate_on_submit():
        return render_template(
            "consent_versions/decline.html", trial=trial, consent_form=consent_form, form=form
        ), (422 if form.errors else 200)
    services.decline_reconsent(
        db.session, participant=found.participant, trial=trial, reason=form.reason.data
    )
    db.session.commit()
    flash(f"You have stopped taking part in {trial.title}.", "success")
    return redirect(url_for("consent.my_trials"))


@role_required(Role.PARTICIPANT)
def trial_information(trial_id: int):
    """The current information about one of the participant's trials, and what changed."""
    participant = current_participant()
    trial = own_trial_or_404(trial_id, participant)
    return render_template(
        "consent_versions/trial_information.html",
        trial=trial,
        consent_form=current_consent_form(db.session, trial.id),
        notice=consent_notices(db.session, participant.id).get(trial.id),
    )
