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
from livinglab.participants.services import register_participant
from livinglab.products.models import ProductCategory
from livinglab.products.services import register_product
from livinglab.sites.services import ensure_default_sites
from trials.consent.services import correct_answers, current_consent_form, sign_consent
from trials.enrolment.models import Enrolment
from trials.enrolment.services import randomise
from trials.observations.services import record_observation
from trials.proposals.models import Measure, MeasureType, Trial
from trials.proposals.services import PrimaryOutcome, ProposalDraft, draft_proposal, submit_proposal
from trials.reference_data import ensure_ics_outcomes
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
    wessex = Organisation(name="Wessex Wearables Ltd", companies_house_number="12345678")
    purbeck = Organisation(name="Purbeck Digital Health Ltd", companies_house_number="SC123456")
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
    )
    calm = register_product(
        session,
        actor=users["company2@demo.test"],
        name="CalmPath",
        category=ProductCategory.DIGITAL_HEALTH_APP,
        intended_use="Guided self-help for low mood and anxiety, based on CBT.",
        regulatory_status="UKCA class I medical device",
    )
    evaluated = _falls_trial(session, users, stride.id, wfh.id, dor.id)
    _run_falls_trial(session, rng, users, evaluated, wfh.id, dor.id)
    _calmpath_trials(session, users, calm.id, wfh.id, dor.id)
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
        ),
    )
    submit_proposal(session, trial, actor=company)
    start_review(session, trial, actor=reviewer)
    approve_trial(
        session,
        trial,
        actor=reviewer,
        site_targets={wfh_id: 100, dor_id: 100},
        comments="Clear protocol; fits ICS outcome 4.",
        seed=SEED,
    )
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
    approve_trial(
        session,
        recruiting,
        actor=reviewer,
        site_targets={wfh_id: 60, dor_id: 40},
        comments="Approved at both sites.",
        seed=SEED + 1,
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
        ),
    )
    submit_proposal(session, waiting, actor=company)
