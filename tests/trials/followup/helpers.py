"""Shared set-up for the follow-up and pipeline tests: randomised participants with visits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from tests import factories
from tests.factories import reload_trial as load_trial
from trials.eligibility.rules import today_in_uk
from trials.enrolment.models import Enrolment
from trials.followup.models import ScheduledVisit, VisitStatus

TODAY = dt.date(2027, 3, 15)


def today() -> dt.date:
    """The UK date the views use."""
    return today_in_uk()


def staff_for(world, site: str):
    return world.researcher_wfh if site == "WFH" else world.researcher_dor


def enrol(
    session, world, trial_id: int, site: str = "WFH", *, name: str = "Resident", randomise=True
) -> Enrolment:
    """A resident who consented at ``site`` and (by default) was randomised, committed."""
    trial = load_trial(session, trial_id)
    participant = factories.make_participant(session, full_name=name)
    if randomise:
        enrolment = factories.randomised(session, world, trial, participant, site)
    else:
        enrolment = factories.consent(session, trial, participant, site)
    session.commit()
    return enrolment


def visit_of(session, enrolment: Enrolment) -> ScheduledVisit:
    """The participant's (only) scheduled follow-up visit, as stored now."""
    return session.scalars(
        select(ScheduledVisit)
        .where(ScheduledVisit.enrolment_id == enrolment.id)
        .execution_options(populate_existing=True)
    ).one()


def set_visit(
    session,
    enrolment: Enrolment,
    *,
    due_on: dt.date,
    window_days: int = 0,
    status: VisitStatus = VisitStatus.SCHEDULED,
) -> ScheduledVisit:
    """Move the participant's follow-up visit to ``due_on`` (the schedule is made for today)."""
    session.execute(
        update(ScheduledVisit)
        .where(ScheduledVisit.enrolment_id == enrolment.id)
        .values(
            due_on=due_on,
            window_days=window_days,
            status=status,
            missed_reason="Did not come" if status is VisitStatus.MISSED else None,
        )
    )
    session.commit()
    return visit_of(session, enrolment)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)
