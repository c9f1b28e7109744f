"""Reads for the follow-up pages: the visit lists, limited in SQL to the researcher's sites.

A scheduled visit is *due* while today is inside its window, *overdue* once the window
has closed, and *upcoming* before it opens; *missed* visits carry their reason. Visits of
participants who withdrew, completed or were lost to follow-up are no longer work to do,
so only the missed list shows them.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection
from typing import Any

from flask import abort
from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session, contains_eager

from livinglab.accounts.models import User
from livinglab.db import add_days
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.followup.models import ScheduledVisit, VisitStatus

#: Enrolment statuses whose scheduled visits are still to be done.
IN_FOLLOW_UP = frozenset({EnrolmentStatus.RANDOMISED, EnrolmentStatus.ACTIVE})


class VisitList(enum.StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    UPCOMING = "upcoming"
    MISSED = "missed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def visit_list_named(name: str | None) -> VisitList:
    """The list a ``?show=`` value names; an unknown or missing one shows the visits due."""
    try:
        return VisitList(name or VisitList.DUE)
    except ValueError:
        return VisitList.DUE


def window_opens() -> ColumnElement[dt.date]:
    return add_days(ScheduledVisit.due_on, -ScheduledVisit.window_days)


def window_closes() -> ColumnElement[dt.date]:
    return add_days(ScheduledVisit.due_on, ScheduledVisit.window_days)


def _list_of(today: dt.date) -> ColumnElement[str | None]:
    """Which list each visit belongs on (NULL: attended, or no longer followed up)."""
    scheduled = and_(
        ScheduledVisit.status == VisitStatus.SCHEDULED, Enrolment.status.in_(IN_FOLLOW_UP)
    )
    return case(
        (ScheduledVisit.status == VisitStatus.MISSED, VisitList.MISSED.value),
        (and_(scheduled, window_closes() < today), VisitList.OVERDUE.value),
        (and_(scheduled, window_opens() > today), VisitList.UPCOMING.value),
        (scheduled, VisitList.DUE.value),
        else_=None,
    )


def _list_clause(show: VisitList, today: dt.date) -> ColumnElement[bool]:
    if show is VisitList.MISSED:
        return ScheduledVisit.status == VisitStatus.MISSED
    scheduled = and_(
        ScheduledVisit.status == VisitStatus.SCHEDULED, Enrolment.status.in_(IN_FOLLOW_UP)
    )
    if show is VisitList.OVERDUE:
        return and_(scheduled, window_closes() < today)
    if show is VisitList.UPCOMING:
        return and_(scheduled, window_opens() > today)
    return and_(scheduled, window_opens() <= today, window_closes() >= today)


def count_visit_lists(
    session: Session, trial_id: int, site_ids: Collection[int], *, today: dt.date
) -> dict[VisitList, int]:
    """How many visits are on each list at ``site_ids`` (one GROUP BY query)."""
    counts = dict.fromkeys(VisitList, 0)
    if not site_ids:
        return counts
    which = _list_of(today).label("which")
    rows = session.execute(
        select(which, func.count(ScheduledVisit.id))
        .join(ScheduledVisit.enrolment)
        .where(ScheduledVisit.trial_id == trial_id, Enrolment.site_id.in_(site_ids))
        .group_by(which)
    )
    for name, number in rows:
        if name is not None:
            counts[VisitList(name)] = number
    return counts


def query_visit_list(
    trial_id: int, site_ids: Collection[int], show: VisitList, *, today: dt.date
) -> Select[tuple[ScheduledVisit]]:
    """The visits on list ``show`` at ``site_ids``; oldest due first (missed: latest)."""
    order: tuple[Any, ...] = (ScheduledVisit.due_on, ScheduledVisit.id)
    if show is VisitList.MISSED:
        order = (ScheduledVisit.due_on.desc(), ScheduledVisit.id.desc())
    return (
        select(ScheduledVisit)
        .join(ScheduledVisit.enrolment)
        .where(
            ScheduledVisit.trial_id == trial_id,
            Enrolment.site_id.in_(site_ids),
            _list_clause(show, today),
        )
        .options(contains_eager(ScheduledVisit.enrolment))
        .order_by(*order)
    )


def query_schedule(enrolment_id: int) -> Select[tuple[ScheduledVisit]]:
    """One participant's visit schedule in date order."""
    return (
        select(ScheduledVisit)
        .where(ScheduledVisit.enrolment_id == enrolment_id)
        .order_by(ScheduledVisit.due_on, ScheduledVisit.id)
    )


def get_site_visit_or_404(session: Session, visit_id: int, *, for_user: User) -> ScheduledVisit:
    """The scheduled visit if its participant is at one of ``for_user``'s sites; else 404."""
    visit = session.scalar(
        select(ScheduledVisit)
        .join(ScheduledVisit.enrolment)
        .where(ScheduledVisit.id == visit_id, Enrolment.site_id.in_(for_user.site_ids))
        .options(contains_eager(ScheduledVisit.enrolment))
    )
    if visit is None:
        abort(404)
    return visit
