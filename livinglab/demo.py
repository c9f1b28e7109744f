"""A believable Living Lab for development: organisations, trials at different stages, people.

Built through the same services the pages use, so every demo row has its audit event.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.accounts.services import create_user, get_user_by_email
from livinglab.organisations.models import Organisation
from livinglab.participants.deprivation import DEPRIVATION_SAMPLE, load_deprivation_csv
from livinglab.participants.models import Participant, Sex
from livinglab.participants.reference_data import ensure_reference_data
from livinglab.participants.services import DigitalAccess, RegistryProfile, register_participant
from livinglab.products.models import (
    DeviceClass,
    DtacStatus,
    EsfTier,
    ProductCategory,
    ProductStage,
)
from livinglab.products.services import RegulatoryProfile, register_product
from livinglab.sites.services import ensure_default_sites
from trials.consent.services import correct_answers, current_consent_form, sign_consent
from trials.enrolment.models import Enrolment
from trials.enrolment.services import randomise
from trials.observations.services import record_observation
from trials.proposals.criteria import EligibilityDraft
from trials.proposals.models import Measure, MeasureType, Trial
from trials.proposals.services import PrimaryOutcome, ProposalDraft, draft_proposal, submit_proposal
from trials.reference_data import ensure_ics_outcomes
from trials.review.checklist import CHECKLIST, Rating, rate_checklist
from trials.review.comments import add_comment
from trials.review.ethics import record_ethics
from trials.review.models import ChecklistRating
from trials.review.services import approve_trial, close_recruitment, open_recruitment, start_review

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - documented development-only password
DEMO_ACCOUNTS = (
    ("admin@demo.test", "Alex Admin", {Role.ADMIN}),
    ("company@demo.test", "Casey Company", {Role.COMPANY}),
    ("company2@demo.test", "Charlie Company", {Role.COMPANY}),
    ("researcher@demo.test", "Robin Researcher", {Role.RESEARCHER}),
    ("researcher.dor@demo.test", "Rowan Researcher", {Role.RESEARCHER}),
    ("evaluator@demo.test", "Evie Evaluator", {Role.EVALUATOR}),
    ("participant@demo.test", "Pat Participant", {Role.PARTICIPANT}),
)
SYNTHETIC_PARTICIPANTS = 200
SEED = 20261125

FIRST = (
    "Ann",
    "Bill",
    "Carol",
    "David",
    "Edith",
    "Frank",
    "Grace",
    "Harry",
    "Irene",
    "Jack",
    "Kath",
    "Len",
    "Mary",
    "Norman",
    "Olive",
    "Peter",
    "Rose",
    "Stan",
    "Tess",
    "Walter",
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Gita",
    "Hugo",
    "Isla",
    "Jamal",
)
LAST = (
    "Abbott",
    "Barnes",
    "Cooper",
    "Dean",
    "Ellis",
    "Fox",
    "Gale",
    "Hardy",
    "Ingram",
    "Jones",
    "Keel",
    "Lane",
    "Moss",
    "Noble",
    "Orchard",
    "Pike",
    "Quinn",
    "Rowe",
    "Sparks",
    "Turner",
)
BH_DISTRICTS = [f"BH{n}" for n in range(1, 26)]
DT_DISTRICTS = [f"DT{n}" for n in range(1, 12)]


def load_demo(session: Session) -> bool:
    """Create the demo data unless it is already there. Returns True if it created it."""
    if get_user_by_email(session, "admin@demo.test") is not None:
        return False
    rng = random.Random(SEED)
    wfh, dor = ensure_default_sites(session)
    ensure_reference_data(session)
    ensure_ics_outcomes(session)
    load_deprivation_csv(session, DEPRIVATION_SAMPLE.read_text(encoding="utf-8"), None)
    wessex = Organisation(
        name="Wessex Wearables Ltd",
        companies_house_number="12345678",
        address="Unit 4, Dorset Innovation Park\nWinfrith Newburgh\nDorchester\nDT2 8ZB",
        contact_name="Casey Company",
        contact_email="company@demo.test",
        contact_phone="01202 960000",
    )
    purbeck = Organisation(
        name="Purbeck Digital Health Ltd",
        companies_house_number="SC123456",
        address="2 Station Road\nSwanage\nBH19 1AB",
        contact_name="Charlie Company",
        contact_email="company2@demo.test",
        contact_phone="01929 420000",
    )
    session.add_all([wessex, purbeck])
    session.flush()
    users = _demo_accounts(session, wessex, purbeck, wfh, dor)

    stride = register_product(
        session,
        actor=users["company@demo.test"],
        name="StrideSense",
        category=ProductCategory.DIGITAL_HEALTH_APP,
        intended_use="A home strength and balance programme with a wearable sensor, to "
        "reduce falls in older adults.",
        regulatory_status="UKCA class I medical device",
        profile=RegulatoryProfile(
            stage=ProductStage.MARKED,
            device_class=DeviceClass.CLASS_I,
            dtac_status=DtacStatus.PASSED,
            esf_tier=EsfTier.TIER_C,
        ),
    )
    calm = register_product(
        session,
        actor=users["company2@demo.test"],
        name="CalmPath",
        category=ProductCategory.DIGITAL_HEALTH_APP,
        intended_use="Guided self-help for low mood and anxiety, based on CBT.",
        regulatory_status="UKCA class I medical device",
        profile=RegulatoryProfile(
            stage=ProductStage.MARKED,
            device_class=DeviceClass.CLASS_I,
            dtac_status=DtacStatus.IN_PROGRESS,
            esf_tier=EsfTier.TIER_C,
        ),
    )
    evaluated = _falls_trial(session, users, stride.id, wfh.id, dor.id)
    _run_falls_trial(session, rng, users, evaluated, wfh.id, dor.id)
    _calmpath_trials(session, users, calm.id, wfh.id, dor.id)
    _west_dorset_trial(session, users, stride.id, dor.id)
    _unfinished_draft(session, users, stride.id, wfh.id)
    session.flush()
    return True


def _demo_accounts(session, wessex, purbeck, wfh, dor) -> dict[str, User]:
    users: dict[str, User] = {}
    for email, name, roles in DEMO_ACCOUNTS:
        if Role.PARTICIPANT in roles:
            participant = register_participant(
                session,
                full_name=name,
                email=email,
                password=DEMO_PASSWORD,
                date_of_birth=dt.date(1956, 3, 14),
                sex=Sex.FEMALE,
                postcode="BH8 8DL",
                registry_opt_in=True,
                profile=RegistryProfile(
                    condition_codes={"high_blood_pressure", "arthritis"},
                    digital_access=DigitalAccess(
                        has_smartphone=True, has_computer_or_tablet=True, has_home_internet=True
                    ),
                ),
            )
            users[email] = participant.user
            continue
        organisation = {"company@demo.test": wessex, "company2@demo.test": purbeck}.get(email)
        sites = {"researcher@demo.test": [wfh], "researcher.dor@demo.test": [dor]}.get(email)
        users[email] = create_user(
            session,
            email=email,
            full_name=name,
            password=DEMO_PASSWORD,
            roles=roles,
            organisation_id=organisation.id if organisation else None,
            sites=sites,
        )
    return users


def _rate_checklist(session, trial: Trial, reviewer: User, **notes: tuple[str, str]) -> None:
    """Every checklist item satisfied, except those given as ``code=(rating, note)``."""
    ratings = {item.code: Rating(ChecklistRating.SATISFIED) for item in CHECKLIST}
    ratings |= {code: Rating(ChecklistRating(r), note) for code, (r, note) in notes.items()}
    rate_checklist(session, trial, actor=reviewer, ratings=ratings)


def _record_ethics(session, trial: Trial, reviewer: User, iras_id: str, rec: str, on: dt.date):
    record_ethics(
        session, trial, actor=reviewer, iras_id=iras_id, rec_reference=rec, approved_on=on
    )


def _falls_trial(session, users, product_id: int, wfh_id: int, dor_id: int) -> Trial:
    company, reviewer = users["company@demo.test"], users["researcher@demo.test"]
    trial = draft_proposal(
        session,
        actor=company,
        draft=ProposalDraft(
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
            target_population="Adults living at home in Dorset who want to keep steady on "
            "their feet.",
            funding="Wessex Wearables funds the trial, with an Innovate UK Smart grant.",
            recruitment_start=dt.date(2025, 9, 1),
            recruitment_end=dt.date(2026, 8, 31),
            ics_outcomes=("living_independently", "healthy_life_years"),
            eligibility=EligibilityDraft(min_age=18, max_age=95, excluded_conditions=("dementia",)),
            follow_up_window_days=7,
        ),
    )
    submit_proposal(session, trial, actor=company)
    start_review(session, trial, actor=reviewer)
    _rate_checklist(session, trial, reviewer)
    approve_trial(
        session,
        trial,
        actor=reviewer,
        site_targets={wfh_id: 100, dor_id: 100},
        comments="Clear protocol; fits ICS outcome 4.",
        seed=SEED,
    )
    _record_ethics(session, trial, reviewer, "1234567", "24/SC/0123", dt.date(2025, 8, 1))
    open_recruitment(session, trial, actor=reviewer)
    return trial


def _synthetic_participant(session, rng: random.Random, n: int) -> Participant:
    age = 18 + int(77 * rng.betavariate(3.0, 1.6))
    born = dt.date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
    district = rng.choice(BH_DISTRICTS if rng.random() < 0.6 else DT_DISTRICTS)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    participant = register_participant(
        session,
        full_name=name,
        email=f"volunteer{n:04d}@demo.test",
        password="",
        date_of_birth=born,
        sex=rng.choice([Sex.FEMALE, Sex.MALE]),
        postcode=postcode,
        registry_opt_in=True,
    )
    participant.deprivation_quintile = rng.choices([1, 2, 3, 4, 5], weights=[12, 18, 22, 24, 24])[0]
    return participant


def _run_falls_trial(session, rng, users, trial: Trial, wfh_id: int, dor_id: int) -> None:
    staff = {wfh_id: users["researcher@demo.test"], dor_id: users["researcher.dor@demo.test"]}
    form = current_consent_form(session, trial.id)
    visits = {v.code: v for v in trial.visits}
    measure = trial.primary_measure
    for n in range(1, SYNTHETIC_PARTICIPANTS + 1):
        participant = _synthetic_participant(session, rng, n)
        site_id = wfh_id if n % 2 else dor_id
        sign_consent(
            session,
            participant=participant,
            trial=trial,
            site_id=site_id,
            answers={s.id: True for s in form.statements},
            typed_name=participant.user.full_name,
            comprehension=correct_answers(form),
        )
        enrolment = session.scalar(
            select(Enrolment).where(
                Enrolment.trial_id == trial.id, Enrolment.participant_id == participant.id
            )
        )
        randomise(session, enrolment, trial=trial, actor=staff[site_id])
        baseline = min(60.0, max(5.0, rng.gauss(14.0, 4.0)))
        record_observation(
            session,
            enrolment,
            trial=trial,
            visit=visits["baseline"],
            measure=measure,
            value=round(baseline, 1),
            actor=staff[site_id],
        )
        if rng.random() < 0.07:
            continue  # missed follow-up visit: kept as a missing value
        effect = -1.8 if enrolment.arm.name == "StrideSense" else 0.0
        site_shift = 0.6 if site_id == dor_id else 0.0
        follow_up = 0.8 * baseline + 2.6 + effect + site_shift + rng.gauss(0, 2.0)
        record_observation(
            session,
            enrolment,
            trial=trial,
            visit=visits["follow_up"],
            measure=measure,
            value=round(min(60.0, max(4.0, follow_up)), 1),
            actor=staff[site_id],
        )
    close_recruitment(session, trial, actor=users["researcher@demo.test"])


def _calmpath_trials(session, users, product_id: int, wfh_id: int, dor_id: int) -> None:
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
    _rate_checklist(
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
    _record_ethics(session, recruiting, reviewer, "345678", "25/SW/0042", dt.date(2026, 9, 14))
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


def _west_dorset_trial(session, users, product_id: int, dor_id: int) -> Trial:
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
    submit_proposal(
        session, trial, actor=company, require_complete=True, today=dt.date(2026, 10, 1)
    )
    start_review(session, trial, actor=reviewer)
    _rate_checklist(session, trial, reviewer)
    approve_trial(
        session,
        trial,
        actor=reviewer,
        site_targets={dor_id: 80},
        comments="Approved for the Dorchester satellite.",
        seed=SEED + 2,
    )
    _record_ethics(session, trial, reviewer, "1345678", "26/SC/0201", dt.date(2026, 10, 20))
    open_recruitment(session, trial, actor=reviewer)
    return trial


def _unfinished_draft(session, users, product_id: int, wfh_id: int) -> Trial:
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
