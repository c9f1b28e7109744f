"""Loaders and reads for the unblinding pages: each load is also the authorisation check.

Administrators and trial leads unblind participants at every site of the trial, so these
loaders do not apply the researcher's own-site restriction of the enrolment pages.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import abort
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from trials.enrolment.models import Enrolment
from trials.permissions import can_view_trial
from trials.proposals.models import Trial
from trials.queries import trial_with_details
from trials.randomisation.models import Unblinding
from trials.randomisation.permissions import can_unblind
from trials.states import TrialStatus

#: Trials whose participants have allocations that may need revealing.
UNBLINDABLE_STATES = frozenset(
    {
        TrialStatus.RECRUITING,
        TrialStatus.FOLLOW_UP,
        TrialStatus.LOCKED,
        TrialStatus.EVALUATED,
        TrialStatus.DECIDED,
    }
)


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


def query_unblindable_trials(user: User) -> Select[tuple[Trial]]:
    """Trials with allocations that ``user`` may unblind in: all for an admin, else those
    they lead (the rule of :func:`can_unblind`, in SQL)."""
    query = (
        select(Trial).where(Trial.status.in_(UNBLINDABLE_STATES)).order_by(Trial.title, Trial.id)
    )
    if user.has_role(Role.ADMIN):
        return query
    if not user.has_role(Role.RESEARCHER) or user.has_role(Role.COMPANY):
        return query.where(false())
    return query.where(Trial.lead_id == user.id)


def find_randomised(session: Session, trial_id: int, code: str) -> Enrolment | None:
    """The trial's participant with this code (any case), if they have an arm."""
    return session.scalar(
        select(Enrolment).where(
            Enrolment.trial_id == trial_id,
            func.upper(Enrolment.participant_code) == code.strip().upper(),
            Enrolment.arm_id.is_not(None),
        )
    )
