"""Demo trials at the ends of the journey: a re-consent Pat must answer, and a decided trial.

Added after the first demo trials so their ids (1 to 5, named in the browser tests) stay put.
"""

from __future__ import annotations

import datetime as dt
import random

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.decisions.models import DecisionOutcome
from evaluation.decisions.services import record_decision
from evaluation.plans.services import lock_usual_plan
from evaluation.runs.services import lock_trial_data, run_primary_analysis
from livinglab.accounts.models import User
from livinglab.db import utcnow
from livinglab.demo.operations import record_visits
from livinglab.demo.trials import (
    SEED,
    SYNTHETIC_PARTICIPANTS,
    consent_online,
    follow_cohort,
    review_and_open,
)
from livinglab.participants.models import Participant
from trials.consent.drafts import update_information_sheet
from trials.consent.services import current_consent_form
from trials.consent.versions import approve_new_version, start_new_version
from trials.enrolment.models import Enrolment
from trials.followup.services import mark_missed
from trials.proposals.criteria import EligibilityDraft
from trials.proposals.models import MeasureType, Trial
from trials.proposals.section_rules import ArmDraft, MeasureDraft, VisitDraft
from trials.proposals.sections import save_measures
from trials.proposals.services import PrimaryOutcome, ProposalDraft, draft_proposal
from trials.queries import trial_with_details
from trials.review.services import close_recruitment
from trials.safety.models import Outcome, Relatedness, SeriousCriterion, Severity
from trials.safety.services import AdverseEventDraft, report_adverse_event

PILOT_PARTICIPANTS = 60

STEP_COUNT_CHANGE = (
    "\n\nWhat is new in version 2: the JointWise app now counts your steps each day and "
    "sends the daily total to the research team, so we can see how active you are. You can "
    "turn step counting off in the app at any time."
)


def jointwise_trial(
    session: Session, users: dict[str, User], product_id: int, wfh_id: int
) -> Trial:
    """Pat consented to version 1; version 2 (step counting) is a major change she must
    agree to again, or decline, before anything more is recorded for her."""
    company, reviewer = users["company2@demo.test"], users["researcher@demo.test"]
    trial = draft_proposal(
        session,
        actor=company,
        draft=ProposalDraft(
            product_id=product_id,
            title="JointWise: a physiotherapy app for knee and hip arthritis",
            summary="We want to find out whether 12 weeks of exercises from the JointWise app "
            "ease knee and hip pain from arthritis more than the usual exercise leaflet.",
            control_arm="Exercise leaflet",
            intervention_arm="JointWise app",
            outcome=PrimaryOutcome(
                "Joint pain (0 to 10)", "points", 0, 10, 1, lower_is_better=True
            ),
            site_targets={wfh_id: 120},
            aims="To find out whether JointWise lowers average joint pain by at least 1 point "
            "on a 0 to 10 scale after 12 weeks.",
            target_population="Adults aged 50 to 90 living with arthritis in Dorset.",
            funding="Purbeck Digital Health, with an NIHR i4i grant.",
            recruitment_start=dt.date(2026, 7, 1),
            recruitment_end=dt.date(2027, 6, 30),
            ics_outcomes=("healthy_life_years", "living_independently"),
            eligibility=EligibilityDraft(
                min_age=50,
                max_age=90,
                required_conditions=("arthritis",),
                digital_needs=frozenset({"smartphone"}),
            ),
            follow_up_window_days=7,
        ),
    )
    review_and_open(
        session,
        trial,
        company=company,
        reviewer=reviewer,
        targets={wfh_id: 120},
        seed=SEED + 3,
        ethics=("1000003", "26/SC/0003", dt.date(2026, 6, 1)),
    )
    pat = session.scalar(
        select(Participant).where(Participant.user_id == users["participant@demo.test"].id)
    )
    first = current_consent_form(session, trial.id)
    consent_online(session, trial, first, pat, wfh_id)
    second = start_new_version(session, trial, actor=reviewer)
    update_information_sheet(
        session, second, actor=reviewer, text=first.information_sheet + STEP_COUNT_CHANGE
    )
    # The emails to participants carry links, which need a request to build them.
    with current_app.test_request_context():
        approve_new_version(
            session,
            second,
            actor=reviewer,
            change_kind="major",
            change_summary="The app now counts your daily steps and sends the totals to the "
            "research team.",
        )
    return trial


def decided_pilot(
    session: Session,
    rng: random.Random,
    users: dict[str, User],
    product_id: int,
    wfh_id: int,
) -> Trial:
    """A finished pilot at Wessex Fields: locked, analysed and decided (adopt with conditions),
    so the company dashboard and the evaluator's pages show results and a decision."""
    company, reviewer = users["company@demo.test"], users["researcher@demo.test"]
    evaluator = users["evaluator@demo.test"]
    trial = draft_proposal(
        session,
        actor=company,
        draft=ProposalDraft(
            product_id=product_id,
            title="StrideSense pilot at Wessex Fields",
            summary="A first, smaller trial of StrideSense with people aged 65 and over in "
            "Bournemouth, to check the programme is safe and practical.",
            control_arm="Usual care",
            intervention_arm="StrideSense",
            outcome=PrimaryOutcome("Timed Up and Go", "seconds", 3, 120, 1.5, lower_is_better=True),
            site_targets={wfh_id: PILOT_PARTICIPANTS},
            aims="To estimate the effect of StrideSense on the Timed Up and Go and check that "
            "the programme is safe at home.",
            target_population="Adults aged 65 and over living at home in Bournemouth.",
            funding="Wessex Wearables.",
            recruitment_start=dt.date(2025, 3, 1),
            recruitment_end=dt.date(2025, 8, 31),
            ics_outcomes=("living_independently",),
            eligibility=EligibilityDraft(min_age=18, max_age=95),
            follow_up_window_days=7,
        ),
    )
    review_and_open(
        session,
        trial,
        company=company,
        reviewer=reviewer,
        targets={wfh_id: PILOT_PARTICIPANTS},
        seed=SEED + 4,
        ethics=("1000004", "25/SC/0004", dt.date(2025, 2, 1)),
    )
    first = SYNTHETIC_PARTICIPANTS + 1
    numbers = range(first, first + PILOT_PARTICIPANTS)
    follow_cohort(session, rng, trial, [(wfh_id, reviewer)], numbers, effect=-2.0)
    _enrolments, unrecorded = record_visits(
        session, trial, {wfh_id: reviewer}, dt.date(2025, 3, 3), dt.date(2025, 6, 2)
    )
    for visit, enrolment, staff in unrecorded:
        mark_missed(
            session,
            visit,
            enrolment=enrolment,
            trial=trial,
            actor=staff,
            reason="Did not come to the final visit.",
        )
    close_recruitment(session, trial, actor=reviewer)
    detailed = session.scalars(trial_with_details().where(Trial.id == trial.id)).unique().one()
    # The pilot's plan is complete case: the demo loads quickly, and trial 1's plan shows MICE.
    lock_usual_plan(session, detailed, actor=evaluator, sensitivity=False)
    lock_trial_data(session, trial, actor=evaluator, reason="Follow-up complete.")
    run_primary_analysis(session, trial, actor=evaluator)
    record_decision(
        session,
        trial,
        actor=evaluator,
        outcome=DecisionOutcome.ADOPT_WITH_CONDITIONS,
        reasons="The pilot shows a faster Timed Up and Go with StrideSense. Adopt in the "
        "Bournemouth falls service for people aged 65 and over, and review after the larger "
        "two-site trial reports.",
        nice_tier="tier_c",
        certainty="moderate",
        conditions="Bournemouth falls service, people aged 65 and over; review when the "
        "two-site trial reports.",
        public_summary="Thank you for taking part. People who used StrideSense walked the "
        "Timed Up and Go test faster than people who had usual care. The NHS in Dorset will "
        "offer StrideSense in the Bournemouth falls service while a larger trial checks the "
        "result.",
    )
    return trial


def three_arm_draft(
    session: Session, users: dict[str, User], product_id: int, wfh_id: int
) -> Trial:
    """A complete draft with three arms (2:1:1), three visits and a secondary outcome taken
    at week 12 only: shows the design, visit and measure steps filled in."""
    company = users["company@demo.test"]
    trial = draft_proposal(
        session,
        actor=company,
        draft=ProposalDraft(
            product_id=product_id,
            title="StrideSense with or without coaching calls",
            summary="We want to find out whether weekly phone coaching adds to StrideSense "
            "for people aged 65 and over.",
            control_arm="Usual care",
            intervention_arm="StrideSense",
            outcome=PrimaryOutcome("Timed Up and Go", "seconds", 3, 120, 1.5, lower_is_better=True),
            site_targets={wfh_id: 120},
            aims="To compare StrideSense alone and StrideSense with coaching calls against "
            "usual care on the Timed Up and Go at 12 weeks.",
            target_population="Adults aged 65 and over living at home in Bournemouth.",
            funding="Wessex Wearables.",
            recruitment_start=dt.date(2027, 3, 1),
            recruitment_end=dt.date(2028, 2, 28),
            ics_outcomes=("living_independently",),
            eligibility=EligibilityDraft(min_age=65, max_age=95, excluded_conditions=("dementia",)),
            arms=(
                ArmDraft("StrideSense with coaching calls", ratio=2),
                ArmDraft("StrideSense", ratio=1),
                ArmDraft("Usual care", ratio=1, is_control=True),
            ),
            visits=(
                VisitDraft("Baseline", 0),
                VisitDraft("Week 6", 42, 3),
                VisitDraft("Week 12", 84, 7),
            ),
        ),
    )
    week_12 = next(visit for visit in trial.visits if visit.name == "Week 12")
    save_measures(
        session,
        trial,
        actor=company,
        draft=(
            MeasureDraft(
                "Timed Up and Go", "seconds", MeasureType.CONTINUOUS, 3, 120, True, 1.5, True
            ),
            MeasureDraft(
                "WEMWBS score",
                "points",
                MeasureType.CONTINUOUS,
                14,
                70,
                minimal_important_difference=3,
                visit_ids=(week_12.id,),
            ),
        ),
    )
    return trial


def adverse_events(session: Session, users: dict[str, User], trial: Trial, wfh_id: int) -> None:
    """Two reports in the two-site StrideSense trial at Wessex Fields: a mild one, and a
    serious one (a hospital stay) whose alert sits in the staff's outbox."""
    reviewer = users["researcher@demo.test"]
    first, second = session.scalars(
        select(Enrolment)
        .where(Enrolment.trial_id == trial.id, Enrolment.site_id == wfh_id)
        .order_by(Enrolment.id)
        .limit(2)
    ).all()
    today = utcnow().date()
    report_adverse_event(
        session,
        first,
        trial=trial,
        actor=reviewer,
        draft=AdverseEventDraft(
            description="Sore calf muscles after the first week of exercises.",
            is_serious=False,
            serious_criterion=None,
            severity=Severity.MILD,
            relatedness=Relatedness.PROBABLE,
            outcome=Outcome.RECOVERED,
            onset_on=today,
            resolved_on=today,
        ),
    )
    # The alert email carries a link, which needs a request to build it.
    with current_app.test_request_context():
        report_adverse_event(
            session,
            second,
            trial=trial,
            actor=reviewer,
            draft=AdverseEventDraft(
                description="Fall at home with a wrist fracture; admitted overnight.",
                is_serious=True,
                serious_criterion=SeriousCriterion.HOSPITALISATION,
                severity=Severity.MODERATE,
                relatedness=Relatedness.UNLIKELY,
                outcome=Outcome.RECOVERING,
                onset_on=today,
            ),
        )
