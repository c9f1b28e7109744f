"""The demo trials, each at a different stage, built through the services the pages use."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.demo.falls import falls_measures, record_falls
from livinglab.demo.people import synthetic_participant
from livinglab.participants.models import Participant
from trials.consent.models import ConsentForm
from trials.consent.services import correct_answers, current_consent_form, sign_consent
from trials.enrolment.models import Enrolment
from trials.enrolment.services import randomise
from trials.observations.services import record_observation
from trials.proposals.criteria import EligibilityDraft
from trials.proposals.models import Measure, MeasureType, RandomisationMethod, Trial
from trials.proposals.sections import save_measures
from trials.proposals.services import (
    PrimaryOutcome,
    ProposalDraft,
    draft_proposal,
    submit_proposal,
)
from trials.review.checklist import CHECKLIST, Rating, rate_checklist
from trials.review.comments import add_comment
from trials.review.ethics import record_ethics
from trials.review.models import ChecklistRating
from trials.review.services import approve_trial, close_recruitment, open_recruitment, start_review

SEED = 20261125
SYNTHETIC_PARTICIPANTS = 200


def rate_checklist_satisfied(
    session, trial: Trial, reviewer: User, **notes: tuple[str, str]
) -> None:
    """Every checklist item satisfied, except those given as ``code=(rating, note)``."""
    ratings = {item.code: Rating(ChecklistRating.SATISFIED) for item in CHECKLIST}
    ratings |= {code: Rating(ChecklistRating(r), note) for code, (r, note) in notes.items()}
    rate_checklist(session, trial, actor=reviewer, ratings=ratings)


def record_ethics_approval(
    session, trial: Trial, reviewer: User, iras_id: str, rec: str, on: dt.date
):
    record_ethics(
        session, trial, actor=reviewer, iras_id=iras_id, rec_reference=rec, approved_on=on
    )


def review_and_open(
    session: Session,
    trial: Trial,
    *,
    company: User,
    reviewer: User,
    targets: dict[int, int],
    seed: int,
    ethics: tuple[str, str, dt.date],
    comments: str = "Approved.",
    submitted_on: dt.date | None = None,
    randomisation_method: RandomisationMethod = RandomisationMethod.BLOCKS,
) -> None:
    """Submit (as on ``submitted_on``), review with every checklist item satisfied, approve
    with allocation ``seed``, record the ethics approval ``(IRAS ID, REC reference, date)``
    and open recruitment."""
    submit_proposal(
        session, trial, actor=company, require_complete=submitted_on is not None, today=submitted_on
    )
    start_review(session, trial, actor=reviewer)
    rate_checklist_satisfied(session, trial, reviewer)
    approve_trial(
        session,
        trial,
        actor=reviewer,
        site_targets=targets,
        comments=comments,
        seed=seed,
        randomisation_method=randomisation_method,
    )
    record_ethics_approval(session, trial, reviewer, *ethics)
    open_recruitment(session, trial, actor=reviewer)


def falls_trial(session, users, product_id: int, wfh_id: int, dor_id: int) -> Trial:
    """Trial 1, drafted with its primary outcome; the company then adds the falls outcomes
    on the measures step, as a proposer would."""
    company, reviewer = users["company@demo.test"], users["researcher@demo.test"]
    draft = ProposalDraft(
        product_id=product_id,
        title="StrideSense: home strength and balance for people aged 65 and over",
        summary="We want to find out whether a 12-week home exercise programme guided by a "
        "small wearable sensor improves walking and balance in older people.",
        control_arm="Usual care",
        intervention_arm="StrideSense",
        outcome=PrimaryOutcome("Timed Up and Go", "seconds", 3, 120, 1.5, lower_is_better=True),
        site_targets={wfh_id: 100, dor_id: 100},
        aims="To find out whether 12 weeks of sensor-guided home exercise shortens the "
        "Timed Up and Go by at least 1.5 seconds compared with usual care.",
        target_population="Adults living at home in Dorset who want to keep steady on their feet.",
        funding="Wessex Wearables funds the trial, with an Innovate UK Smart grant.",
        recruitment_start=dt.date(2025, 9, 1),
        recruitment_end=dt.date(2026, 8, 31),
        ics_outcomes=("living_independently", "healthy_life_years"),
        eligibility=EligibilityDraft(min_age=18, max_age=95, excluded_conditions=("dementia",)),
        follow_up_window_days=7,
    )
    trial = draft_proposal(session, actor=company, draft=draft)
    (primary,) = draft.measure_drafts()
    (follow_up,) = (visit for visit in trial.visits if not visit.is_baseline)
    save_measures(session, trial, actor=company, draft=falls_measures(primary, follow_up.id))
    review_and_open(
        session,
        trial,
        company=company,
        reviewer=reviewer,
        targets={wfh_id: 100, dor_id: 100},
        seed=SEED,
        ethics=("1234567", "24/SC/0123", dt.date(2025, 8, 1)),
        comments="Clear protocol; fits ICS outcome 4.",
    )
    return trial


def run_falls_trial(session, rng, users, trial: Trial, wfh_id: int, dor_id: int) -> None:
    """200 volunteers at the two sites, followed up; recruitment then closes."""
    staff = [(wfh_id, users["researcher@demo.test"]), (dor_id, users["researcher.dor@demo.test"])]
    follow_cohort(session, rng, trial, staff, range(1, SYNTHETIC_PARTICIPANTS + 1), effect=-1.8)
    record_falls(session, random.Random(f"{SEED}:falls"), trial, dict(staff))
    close_recruitment(session, trial, actor=users["researcher@demo.test"])


def consent_online(
    session: Session, trial: Trial, form: ConsentForm, participant: Participant, site_id: int
) -> Enrolment:
    """``participant`` reads ``form``, answers its questions rightly and signs at ``site_id``;
    returns the new (consented) enrolment."""
    sign_consent(
        session,
        participant=participant,
        trial=trial,
        site_id=site_id,
        answers={s.id: True for s in form.statements},
        typed_name=participant.user.full_name,
        comprehension=correct_answers(form),
    )
    return session.scalars(
        select(Enrolment).where(
            Enrolment.trial_id == trial.id, Enrolment.participant_id == participant.id
        )
    ).one()


def follow_cohort(
    session: Session,
    rng: random.Random,
    trial: Trial,
    staff: list[tuple[int, User]],
    numbers: range,
    *,
    effect: float,
) -> None:
    """Consent, randomise and record a Timed Up and Go at baseline and follow-up for new
    volunteers ``numbers``, taking the sites in turn; about 7% miss the follow-up visit.

    ``effect`` is the true change in seconds in the arm that is not the control.
    """
    form = current_consent_form(session, trial.id)
    visits = {v.code: v for v in trial.visits}
    measure = trial.primary_measure
    for n in numbers:
        participant = synthetic_participant(session, rng, n)
        site_id, researcher = staff[(n + 1) % len(staff)]
        enrolment = consent_online(session, trial, form, participant, site_id)
        randomise(session, enrolment, trial=trial, actor=researcher)
        baseline = min(60.0, max(5.0, rng.gauss(14.0, 4.0)))
        record_observation(
            session,
            enrolment,
            trial=trial,
            visit=visits["baseline"],
            measure=measure,
            value=round(baseline, 1),
            actor=researcher,
        )
        if rng.random() < 0.07:
            continue  # missed follow-up visit: kept as a missing value
        shift = 0.0 if enrolment.arm.is_control else effect
        site_shift = 0.6 if site_id != staff[0][0] else 0.0
        follow_up = 0.8 * baseline + 2.6 + shift + site_shift + rng.gauss(0, 2.0)
        record_observation(
            session,
            enrolment,
            trial=trial,
            visit=visits["follow_up"],
            measure=measure,
            value=round(min(60.0, max(4.0, follow_up)), 1),
            actor=researcher,
        )


def calmpath_trials(session, users, product_id: int, wfh_id: int, dor_id: int) -> None:
    company, reviewer = users["company2@demo.test"], users["researcher@demo.test"]
    recruiting = draft_proposal(
        session,
        actor=company,
        draft=ProposalDraft(
            product_id=product_id,
            title="CalmPath: guided self-help for low mood",
            summary="We want to find out whether 8 weeks of the CalmPath app improves mental "
            "wellbeing compared with the usual information leaflet.",
            control_arm="Information leaflet",
            intervention_arm="CalmPath app",
            outcome=PrimaryOutcome("WEMWBS score", "points", 14, 70, 3),
            site_targets={wfh_id: 60, dor_id: 40},
            follow_up_days=56,
            aims="To find out whether 8 weeks of CalmPath raises WEMWBS wellbeing scores by "
            "at least 3 points compared with the usual information leaflet.",
            target_population="Adults in Dorset with low mood or worry who are not in "
            "treatment for a mental health condition.",
            funding="Purbeck Digital Health funds the trial.",
            recruitment_start=dt.date(2026, 10, 1),
            recruitment_end=dt.date(2027, 9, 30),
            ics_outcomes=("mental_health",),
            eligibility=EligibilityDraft(
                min_age=18,
                max_age=95,
                excluded_conditions=("dementia",),
                digital_needs=frozenset({"smartphone"}),
            ),
            follow_up_window_days=7,
        ),
    )
    # A secondary outcome participants complete online (the proposal form adds these later).
    session.add(
        Measure(
            trial_id=recruiting.id,
            name="PHQ-9 depression score",
            unit="points",
            type=MeasureType.CONTINUOUS,
            min_value=0,
            max_value=27,
            minimal_important_difference=5,
            lower_is_better=True,
            instrument="phq9",
        )
    )
    submit_proposal(session, recruiting, actor=company)
    start_review(session, recruiting, actor=reviewer)
    rate_checklist_satisfied(
        session,
        recruiting,
        reviewer,
        participant_burden=(
            "concerns",
            "Eight weekly app sessions: check that people without a smartphone can join.",
        ),
    )
    approve_trial(
        session,
        recruiting,
        actor=reviewer,
        site_targets={wfh_id: 60, dor_id: 40},
        comments="Approved at both sites.",
        seed=SEED + 1,
    )
    record_ethics_approval(
        session, recruiting, reviewer, "345678", "25/SW/0042", dt.date(2026, 9, 14)
    )
    open_recruitment(session, recruiting, actor=reviewer)

    waiting = draft_proposal(
        session,
        actor=company,
        draft=ProposalDraft(
            product_id=product_id,
            title="CalmPath for carers: wellbeing support for unpaid carers",
            summary="We want to find out whether CalmPath helps unpaid carers in Dorset feel "
            "less stressed.",
            control_arm="Usual support",
            intervention_arm="CalmPath app",
            outcome=PrimaryOutcome("WEMWBS score", "points", 14, 70, 3),
            site_targets={dor_id: 50},
            follow_up_days=56,
            aims="To find out whether CalmPath helps unpaid carers feel less stressed.",
            target_population="Unpaid carers aged 18 and over living in West Dorset.",
            funding="Purbeck Digital Health, with a Dorset Council carers' grant.",
            recruitment_start=dt.date(2027, 1, 4),
            recruitment_end=dt.date(2027, 12, 17),
            ics_outcomes=("mental_health", "life_expectancy_gap"),
            eligibility=EligibilityDraft(min_age=18, max_age=95, postcode_areas=("DT",)),
        ),
    )
    submit_proposal(session, waiting, actor=company)
    dor_reviewer = users["researcher.dor@demo.test"]
    add_comment(
        session,
        waiting,
        actor=dor_reviewer,
        body="Thank you. We will start the review this month; please send the carer "
        "support leaflet you mention.",
        is_internal=False,
    )
    add_comment(
        session,
        waiting,
        actor=dor_reviewer,
        body="Check with the carers' centre whether they can host the baseline visits.",
        is_internal=True,
    )


def west_dorset_trial(session, users, product_id: int, dor_id: int) -> Trial:
    """Recruiting in DT postcodes only: the demo participant (BH8) is told she cannot join."""
    company, reviewer = users["company@demo.test"], users["researcher.dor@demo.test"]
    trial = draft_proposal(
        session,
        actor=company,
        draft=ProposalDraft(
            product_id=product_id,
            title="StrideSense in West Dorset: balance at home in rural villages",
            summary="We want to find out whether StrideSense helps older people in rural West "
            "Dorset, far from a falls clinic, stay steady on their feet.",
            control_arm="Usual care",
            intervention_arm="StrideSense",
            outcome=PrimaryOutcome("Timed Up and Go", "seconds", 3, 120, 1.5, lower_is_better=True),
            site_targets={dor_id: 80},
            aims="To find out whether StrideSense shortens the Timed Up and Go by at least "
            "1.5 seconds for older people in rural West Dorset.",
            target_population="People aged 65 and over living in DT postcodes.",
            funding="Wessex Wearables, with a rural health innovation grant.",
            recruitment_start=dt.date(2026, 11, 2),
            recruitment_end=dt.date(2027, 10, 29),
            ics_outcomes=("living_independently",),
            eligibility=EligibilityDraft(
                min_age=65, max_age=95, postcode_areas=("DT",), excluded_conditions=("dementia",)
            ),
            follow_up_window_days=7,
        ),
    )
    review_and_open(
        session,
        trial,
        company=company,
        reviewer=reviewer,
        targets={dor_id: 80},
        seed=SEED + 2,
        ethics=("1345678", "26/SC/0201", dt.date(2026, 10, 20)),
        comments="Approved for the Dorchester satellite.",
        submitted_on=dt.date(2026, 10, 1),
    )
    return trial


def unfinished_draft(session, users, product_id: int, wfh_id: int) -> Trial:
    """A draft still missing its recruitment window and eligibility: shows the checklist."""
    return draft_proposal(
        session,
        actor=users["company@demo.test"],
        draft=ProposalDraft(
            product_id=product_id,
            title="StrideSense after a hip fracture",
            summary="We want to find out whether StrideSense helps people regain their "
            "balance at home after a hip fracture.",
            control_arm="Usual rehabilitation",
            intervention_arm="StrideSense with usual rehabilitation",
            outcome=PrimaryOutcome("Timed Up and Go", "seconds", 3, 120, 2, lower_is_better=True),
            site_targets={wfh_id: 60},
            aims="To find out whether StrideSense speeds recovery of balance after a hip fracture.",
            ics_outcomes=("living_independently",),
        ),
    )
