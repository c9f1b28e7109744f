"""Demo of the research staff's day: trial leads, a follow-up timeline with visits
attended, missed and overdue, a minimisation trial mid-recruitment, invitations, an
emergency unblinding, and a data lock undone with a reason.

Dates of the synthetic cohorts are moved into the past (randomisation and visit dates
only), so the recruitment chart and the visit lists look as they would in real use.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.demo.people import synthetic_participant
from livinglab.demo.trials import SEED, consent_online, review_and_open
from trials.consent.models import WithdrawalScope
from trials.consent.services import current_consent_form
from trials.datalock import lock_data, unlock_data
from trials.eligibility.rules import today_in_uk
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.enrolment.pipeline import complete, lose_to_follow_up, screen, withdraw_on_behalf
from trials.enrolment.services import randomise
from trials.followup.models import ScheduledVisit
from trials.followup.services import mark_attended, mark_missed
from trials.invitations.models import Invitation
from trials.invitations.services import accept, decline, invite
from trials.observations.models import Observation
from trials.proposals.criteria import EligibilityDraft
from trials.proposals.models import RandomisationMethod, Trial
from trials.proposals.services import PrimaryOutcome, ProposalDraft, draft_proposal
from trials.queries import trial_with_details
from trials.randomisation.unblinding import unblind

#: Synthetic volunteer numbers used here (the earlier cohorts use 1 to 260).
MINIMISATION_NUMBERS = range(301, 317)
INVITED_NUMBERS = range(401, 411)


def _trial(session: Session, title: str) -> Trial:
    return session.scalars(
        trial_with_details().where(Trial.title == title).execution_options(populate_existing=True)
    ).one()


def _staff(users: dict[str, User], site_id: int, wfh_id: int) -> User:
    return users["researcher@demo.test" if site_id == wfh_id else "researcher.dor@demo.test"]


def set_trial_leads(session: Session, users: dict[str, User]) -> None:
    """The Wessex Fields researcher leads the hub's trials; Dorchester leads its own."""
    lead = users["researcher@demo.test"]
    for trial in session.scalars(select(Trial)):
        if trial.approved_at is not None:
            trial.lead_id = lead.id
    west = session.scalar(select(Trial).where(Trial.title.like("StrideSense in West Dorset%")))
    if west is not None:
        west.lead_id = users["researcher.dor@demo.test"].id
    session.flush()


def _move_dates(session: Session, trial: Trial, first: dt.date, last: dt.date) -> list[Enrolment]:
    """Spread the trial's randomisations evenly from ``first`` to ``last``; visits follow."""
    enrolments = session.scalars(
        select(Enrolment)
        .where(Enrolment.trial_id == trial.id, Enrolment.randomised_at.is_not(None))
        .order_by(Enrolment.id)
    ).all()
    span = (last - first).days
    offsets = {visit.id: visit.day_offset for visit in trial.visits}
    for n, enrolment in enumerate(enrolments):
        day = first + dt.timedelta(days=round(n * span / max(1, len(enrolments) - 1)))
        enrolment.randomised_at = dt.datetime.combine(day, dt.time(10, 30), dt.UTC)
        enrolment.created_at = enrolment.randomised_at - dt.timedelta(days=7)
    by_id = {e.id: e for e in enrolments}
    for visit in session.scalars(select(ScheduledVisit).where(ScheduledVisit.trial_id == trial.id)):
        randomised = by_id[visit.enrolment_id].randomised_at
        visit.due_on = randomised.date() + dt.timedelta(days=offsets[visit.visit_id])
    session.flush()
    return list(enrolments)


def record_visits(
    session: Session,
    trial: Trial,
    staff_at: dict[int, User],
    first: dt.date,
    last: dt.date,
) -> tuple[list[Enrolment], list[tuple[ScheduledVisit, Enrolment, User]]]:
    """Move the cohort's dates to ``first``..``last`` and mark each visit that has a value
    attended (within its window). Returns the enrolments, and the visits with no value."""
    enrolments = _move_dates(session, trial, first, last)
    recorded = set(
        session.execute(
            select(Observation.enrolment_id, Observation.visit_id).where(
                Observation.enrolment_id.in_([e.id for e in enrolments])
            )
        ).all()
    )
    by_id = {e.id: e for e in enrolments}
    jitter = random.Random(f"{SEED}:{trial.id}:visits")
    today = today_in_uk()
    without_value = []
    visits = session.scalars(
        select(ScheduledVisit)
        .where(ScheduledVisit.trial_id == trial.id)
        .order_by(ScheduledVisit.enrolment_id)
    ).all()
    for visit in visits:
        enrolment = by_id[visit.enrolment_id]
        staff = staff_at[enrolment.site_id]
        if (visit.enrolment_id, visit.visit_id) in recorded:
            attended = visit.due_on + dt.timedelta(days=jitter.randint(-3, 3))
            mark_attended(
                session,
                visit,
                enrolment=enrolment,
                trial=trial,
                actor=staff,
                attended_on=min(attended, today),
                today=today,
            )
        else:
            without_value.append((visit, enrolment, staff))
    return enrolments, without_value


def follow_up_timeline(session: Session, users: dict[str, User], wfh_id: int, dor_id: int) -> None:
    """The StrideSense cohort over a year of recruitment: visits with a value attended,
    some of the rest missed or lost to follow-up, a few still overdue; some completed."""
    trial = _trial(session, "StrideSense: home strength and balance for people aged 65 and over")
    staff_at = {wfh_id: users["researcher@demo.test"], dor_id: users["researcher.dor@demo.test"]}
    enrolments, without_value = record_visits(
        session, trial, staff_at, dt.date(2025, 9, 8), dt.date(2026, 8, 24)
    )
    for n, (visit, enrolment, staff) in enumerate(without_value):
        if n < 4:
            mark_missed(
                session,
                visit,
                enrolment=enrolment,
                trial=trial,
                actor=staff,
                reason="Did not attend; two phone reminders and a letter were sent.",
            )
        elif n < 6:
            lose_to_follow_up(
                session,
                enrolment,
                trial=trial,
                actor=staff,
                reason="Moved out of Dorset with no forwarding contact.",
            )
    finished = [e for e in enrolments if e.status is EnrolmentStatus.ACTIVE][:12]
    for enrolment in finished:
        complete(
            session,
            enrolment,
            trial=trial,
            actor=staff_at[enrolment.site_id],
            reason="Final visit done.",
        )
    lead = users["researcher@demo.test"]
    unblinded = next(
        e for e in enrolments if e.site_id == wfh_id and e.status is EnrolmentStatus.ACTIVE
    )
    unblind(
        session,
        unblinded,
        trial=trial,
        actor=lead,
        reason="Admitted to hospital after a fall; the A&E team asked which programme "
        "she was following.",
    )
    lock_data(session, trial, actor=lead, note="Last follow-up visit done.")
    unlock_data(
        session,
        trial,
        actor=lead,
        reason="Three sensor readings arrived late from the device supplier and must be "
        "imported before the analysis.",
    )
    session.flush()


def minimisation_trial(
    session: Session, users: dict[str, User], product_id: int, wfh_id: int, dor_id: int
) -> Trial:
    """A recruiting trial allocated by minimisation, its first 16 participants randomised
    over the last ten weeks: their 8-week visits are now overdue, due or upcoming."""
    company, reviewer = users["company2@demo.test"], users["researcher@demo.test"]
    today = today_in_uk()
    trial = draft_proposal(
        session,
        actor=company,
        draft=ProposalDraft(
            product_id=product_id,
            title="CalmPath while waiting: support for people on the talking therapies list",
            summary="We want to find out whether CalmPath helps people waiting for NHS "
            "Talking Therapies feel better while they wait.",
            control_arm="Usual waiting-list information",
            intervention_arm="CalmPath app",
            outcome=PrimaryOutcome("WEMWBS score", "points", 14, 70, 3),
            site_targets={wfh_id: 40, dor_id: 40},
            follow_up_days=56,
            follow_up_window_days=7,
            aims="To find out whether CalmPath raises WEMWBS wellbeing scores by at least "
            "3 points over 8 weeks on the waiting list.",
            target_population="Adults in Dorset waiting for NHS Talking Therapies.",
            funding="Purbeck Digital Health, with an NHS Dorset innovation grant.",
            recruitment_start=today - dt.timedelta(days=75),
            recruitment_end=today + dt.timedelta(days=290),
            ics_outcomes=("mental_health",),
            eligibility=EligibilityDraft(min_age=18, max_age=95),
        ),
    )
    review_and_open(
        session,
        trial,
        company=company,
        reviewer=reviewer,
        targets={wfh_id: 40, dor_id: 40},
        seed=SEED + 9,
        ethics=("1000009", "26/SW/0109", today - dt.timedelta(days=90)),
        comments="Approved at both sites, allocated by minimisation on site, age band and sex.",
        randomisation_method=RandomisationMethod.MINIMISATION,
    )
    trial.lead_id = reviewer.id
    trial = _trial(session, trial.title)
    form = current_consent_form(session, trial.id)
    rng = random.Random(SEED + 9)
    enrolments = []
    for n in MINIMISATION_NUMBERS:
        participant = synthetic_participant(session, rng, n)
        site_id = wfh_id if n % 2 else dor_id
        enrolment = consent_online(session, trial, form, participant, site_id)
        enrolments.append(
            randomise(session, enrolment, trial=trial, actor=_staff(users, site_id, wfh_id))
        )
    _move_dates(session, trial, today - dt.timedelta(days=70), today - dt.timedelta(days=6))
    leaving = enrolments[2]
    withdraw_on_behalf(
        session,
        leaving,
        trial=trial,
        actor=_staff(users, leaving.site_id, wfh_id),
        scope=WithdrawalScope.STOP_TAKING_PART,
        reason="Rang to say she has started therapy and no longer has time for the app.",
    )
    return trial


def invitations(session: Session, users: dict[str, User], wfh_id: int) -> None:
    """Ten volunteers invited to CalmPath from Wessex Fields: some still to answer, two
    interested (one already screened), one declined."""
    trial = _trial(session, "CalmPath: guided self-help for low mood")
    rng = random.Random(SEED + 10)
    people = []
    for n in INVITED_NUMBERS:
        participant = synthetic_participant(session, rng, n)
        participant.has_smartphone = True
        people.append(participant)
    session.flush()
    researcher = users["researcher@demo.test"]
    invite(
        session,
        trial=trial,
        participant_ids=[p.id for p in people],
        site_id=wfh_id,
        actor=researcher,
    )
    sent = {
        i.participant_id: i
        for i in session.scalars(select(Invitation).where(Invitation.trial_id == trial.id))
    }
    interested = [accept(session, sent[p.id], participant=p, trial=trial) for p in people[:2]]
    decline(session, sent[people[2].id], participant=people[2])
    screen(session, interested[0], trial=trial, actor=researcher, reason="Checked by phone.")
    session.flush()
