"""Loading trials: every load is also the authorisation check."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from livinglab.accounts.models import User
from livinglab.extensions import db
from trials import permissions
from trials.proposals.models import Measure, Trial, TrialSite


def trial_with_details(*, particulars: bool = True) -> Select[tuple[Trial]]:
    """The trial with what its pages show, in a fixed number of queries however big it is.

    ``particulars`` adds ICS outcomes, eligibility and the visits each measure is taken at
    (the proposal and its steps, the review and public pages, the versions' snapshot),
    which staff work pages leave out."""
    query = select(Trial).options(
        selectinload(Trial.arms),
        selectinload(Trial.trial_sites).joinedload(TrialSite.site),
        selectinload(Trial.measures),
        selectinload(Trial.visits),
        selectinload(Trial.product),
        selectinload(Trial.organisation),
    )
    if particulars:
        query = query.options(
            selectinload(Trial.measures).selectinload(Measure.visits),
            selectinload(Trial.ics_outcomes),
            selectinload(Trial.eligibility),
        )
    return query


def trial_for_allocation() -> Select[tuple[Trial]]:
    """The trial with only what randomisation needs (arms, sites, visits), in one query:
    the randomise request is the one that must stay fast under load."""
    return select(Trial).options(
        joinedload(Trial.arms),
        joinedload(Trial.trial_sites).joinedload(TrialSite.site),
        joinedload(Trial.visits),
    )


def get_trial_or_404(
    trial_id: int,
    *,
    for_user: User,
    action: Callable[[User, Trial], bool] | None = None,
    particulars: bool = True,
    query: Select[tuple[Trial]] | None = None,
) -> Trial:
    """The trial if ``for_user`` may see it (else 404) and may do ``action`` (else 403).

    ``query`` replaces the usual loading (:func:`trial_with_details`) when a page needs less.
    """
    query = query if query is not None else trial_with_details(particulars=particulars)
    trial = db.session.scalars(query.where(Trial.id == trial_id)).unique().one_or_none()
    if trial is None or not permissions.can_view_trial(for_user, trial):
        abort(404)
    if action is not None and not action(for_user, trial):
        abort(403)
    return trial
