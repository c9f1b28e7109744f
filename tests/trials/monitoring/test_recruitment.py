"""Recruitment figures per site: funnel, rates, visit completion, recruits over time."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from tests.factories import reload_trial
from tests.trials.monitoring.helpers import Person, add_people
from trials.enrolment.models import Enrolment
from trials.enrolment.models import EnrolmentStatus as S
from trials.followup.models import ScheduledVisit, VisitStatus
from trials.invitations.models import Invitation, InvitationStatus
from trials.monitoring.recruitment import cumulative_by_month, recruitment_progress
from trials.proposals.models import TrialVisit

TODAY = dt.date(2026, 12, 1)


def _schedule(session, trial_id, enrolment_id, due_on, status, window_days=7):
    visit_id = session.scalar(
        select(TrialVisit.id).where(TrialVisit.trial_id == trial_id, ~TrialVisit.is_baseline)
    )
    session.execute(
        insert(ScheduledVisit).values(
            trial_id=trial_id,
            enrolment_id=enrolment_id,
            visit_id=visit_id,
            due_on=due_on,
            window_days=window_days,
            status=status,
        )
    )


def test_the_funnel_and_rates_per_site_and_in_all(session, world, trial_id, count_queries):
    wfh = add_people(
        session,
        trial_id,
        world.wfh.id,
        [Person(status=S.INTERESTED), Person(status=S.CONSENTED)]
        + [Person(status=S.RANDOMISED)] * 3
        + [Person(status=S.WITHDRAWN)],
        today=TODAY,
    )
    add_people(session, trial_id, world.dor.id, [Person(status=S.LOST_TO_FOLLOW_UP)])
    randomised = wfh[2]
    _schedule(session, trial_id, randomised, TODAY - dt.timedelta(days=30), VisitStatus.ATTENDED)
    _schedule(session, trial_id, wfh[3], TODAY - dt.timedelta(days=30), VisitStatus.MISSED)
    _schedule(session, trial_id, wfh[4], TODAY - dt.timedelta(days=8), VisitStatus.SCHEDULED)
    _schedule(session, trial_id, wfh[5], TODAY - dt.timedelta(days=7), VisitStatus.SCHEDULED)
    trial = reload_trial(session, trial_id)

    with count_queries() as statements:
        progress = recruitment_progress(session, trial, today=TODAY)

    assert len(statements) == 4
    by_site = {figures.site_id: figures for figures in progress.sites}
    wfh_figures, dor_figures = by_site[world.wfh.id], by_site[world.dor.id]
    assert (wfh_figures.target, wfh_figures.consented, wfh_figures.recruited) == (20, 5, 4)
    assert wfh_figures.consent_rate == pytest.approx(5 / 6)
    assert wfh_figures.withdrawal_rate == pytest.approx(1 / 5)
    # Overdue once the window has closed (due 8 days ago, window 7); due 7 days ago is not.
    assert (wfh_figures.visits_attended, wfh_figures.visits_missed) == (1, 1)
    assert wfh_figures.visits_overdue == 1
    assert wfh_figures.visit_completion == pytest.approx(1 / 3)
    assert dor_figures.lost == 1
    assert progress.total.recruited == 5
    assert progress.total.target == 40


def test_screening_yield_follows_invitations_to_consent(session, world, trial_id):
    invited = add_people(
        session,
        trial_id,
        world.wfh.id,
        [Person(status=S.CONSENTED), Person(status=S.INTERESTED)],
        today=TODAY,
    )
    participants = session.scalars(
        select(Enrolment.participant_id).where(Enrolment.id.in_(invited))
    ).all()
    for participant_id, status in zip(
        participants, (InvitationStatus.INTERESTED, InvitationStatus.INTERESTED), strict=True
    ):
        session.add(
            Invitation(
                trial_id=trial_id,
                participant_id=participant_id,
                site_id=world.wfh.id,
                status=status,
                invited_by_id=world.researcher_wfh.id,
            )
        )
    session.add(
        Invitation(
            trial_id=trial_id,
            participant_id=world.participant.id,
            site_id=world.wfh.id,
            status=InvitationStatus.DECLINED,
            invited_by_id=world.researcher_wfh.id,
        )
    )
    session.flush()

    progress = recruitment_progress(session, reload_trial(session, trial_id), today=TODAY)

    wfh = next(f for f in progress.sites if f.site_id == world.wfh.id)
    assert (wfh.invited, wfh.invitations_answered_yes, wfh.invitations_declined) == (3, 2, 1)
    assert wfh.screening_yield == pytest.approx(1 / 3)


def test_recruits_accumulate_month_by_month(session, world, trial_id):
    add_people(
        session,
        trial_id,
        world.wfh.id,
        [Person(randomised_on=dt.date(2026, 3, 2))] * 2
        + [Person(randomised_on=dt.date(2026, 5, 9))],
        today=TODAY,
    )
    add_people(session, trial_id, world.dor.id, [Person(randomised_on=dt.date(2026, 5, 31))])

    progress = recruitment_progress(session, reload_trial(session, trial_id), today=TODAY)
    months = cumulative_by_month(progress)

    assert [(end, total) for end, _by_site, total in months] == [
        (dt.date(2026, 3, 31), 2),
        (dt.date(2026, 5, 31), 4),
    ]
    assert months[-1][1] == {world.wfh.id: 3, world.dor.id: 1}


def test_a_trial_with_nobody_yet_has_empty_figures(session, world, trial_id):
    progress = recruitment_progress(session, reload_trial(session, trial_id), today=TODAY)

    assert progress.total.recruited == 0
    assert progress.total.consent_rate is None
    assert cumulative_by_month(progress) == []
