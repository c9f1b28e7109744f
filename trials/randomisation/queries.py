"""Loaders and reads for the unblinding pages: each load is also the authorisation check.

Administrators and trial leads unblind participants at every site of the trial, so these
loaders do not apply the researcher's own-site restriction of the enrolment pages.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import abort
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from trials.enrolment.models import Enrolment
from trials.permissions import can_view_trial
from trials.proposals.models import Trial
from trials.queries import trial_with_details
from trials.randomisation.models import Unblinding
from trials.randomisation.permissions import can_unblind


def get_unblinding_trial_or_404(session: Session, trial_id: int, *, for_user: User) -> Trial:
    """The trial if ``for_user`` may unblind in it; 403 if they may only see it, else 404."""
    trial = session.scalar(trial_with_details(particulars=False).where(Trial.id == trial_id))
    if trial is None:
        abort(404)
    if not can_unblind(for_user, trial):
        abort(403 if can_view_trial(for_user, trial) else 404)
    return trial


def get_unblindable_enrolment_or_404(
    session: Session, enrolment_id: int, *, for_user: User
) -> tuple[Enrolment, Trial]:
    """The enrolment, at any site, and its trial, checked as :func:`get_unblinding_trial_or_404`."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        abort(404)
    return enrolment, get_unblinding_trial_or_404(session, enrolment.trial_id, for_user=for_user)


def query_unblindings(trial_id: int) -> Select[tuple[Unblinding]]:
    """The trial's unblindings, newest first."""
    return (
        select(Unblinding)
        .where(Unblinding.trial_id == trial_id)
        .order_by(Unblinding.created_at.desc(), Unblinding.id.desc())
    )


def unblinding_particulars(
    session: Session, unblindings: Collection[Unblinding]
) -> dict[int, tuple[str, str]]:
    """Unblinding id -> (participant code, name of who unblinded), in one query."""
    if not unblindings:
        return {}
    rows = session.execute(
        select(Unblinding.id, Enrolment.participant_code, User.full_name)
        .join(Enrolment, Enrolment.id == Unblinding.enrolment_id)
        .join(User, User.id == Unblinding.unblinded_by_id)
        .where(Unblinding.id.in_([u.id for u in unblindings]))
    )
    return {unblinding_id: (code, name) for unblinding_id, code, name in rows}
