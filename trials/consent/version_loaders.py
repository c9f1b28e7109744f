"""Loading a trial's consent-form versions for the version pages: each load is also the
authorisation check (404 when the user may not see it, 403 when they may not change it)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from livinglab.extensions import db
from livinglab.participants.models import Participant
from trials.consent.models import ComprehensionQuestion, ConsentForm, ConsentStatement
from trials.consent.versions import can_manage_consent_forms, require_draft
from trials.enrolment.models import Enrolment
from trials.permissions import is_site_researcher
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404


def staff_trial(trial_id: int, *, manage: bool = False) -> Trial:
    """The trial for staff at its sites (else 404); 403 to change it when they may not."""
    action = can_manage_consent_forms if manage else is_site_researcher
    return get_trial_or_404(trial_id, for_user=current_user, action=action)


def version_or_404(trial: Trial, form_id: int) -> ConsentForm:
    form = db.session.scalar(
        select(ConsentForm).where(ConsentForm.id == form_id, ConsentForm.trial_id == trial.id)
    )
    if form is None:
        abort(404)
    return form


def draft_for_editing(trial_id: int, form_id: int) -> tuple[Trial, ConsentForm]:
    """The trial and one of its versions, for staff who may change it; 409 unless a draft."""
    trial = staff_trial(trial_id, manage=True)
    form = version_or_404(trial, form_id)
    require_draft(form)
    return trial, form


def item_or_404(
    form: ConsentForm, kind: str, item_id: int
) -> ConsentStatement | ComprehensionQuestion:
    """A statement or question (``kind`` is ``statements`` or ``questions``) of ``form``."""
    items = form.statements if kind == "statements" else form.questions
    item = next((entry for entry in items if entry.id == item_id), None)
    if item is None:
        abort(404)
    return item


def own_trial_or_404(trial_id: int, participant: Participant) -> Trial:
    """A trial the participant has joined; anyone else's (or an unknown id) is not found."""
    trial = db.session.scalar(
        select(Trial)
        .join(Enrolment, Enrolment.trial_id == Trial.id)
        .where(Trial.id == trial_id, Enrolment.participant_id == participant.id)
    )
    if trial is None:
        abort(404)
    return trial
