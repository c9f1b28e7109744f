"""Builders for test data, all going through the real services so audit events exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import count

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.accounts.services import create_user
from livinglab.organisations.models import Organisation
from livinglab.participants.models import Participant, Sex
from livinglab.participants.services import register_participant
from livinglab.products.models import Product, ProductCategory
from livinglab.products.services import register_product
from livinglab.sites.models import Site
from trials.consent.services import correct_answers, current_consent_form, sign_consent
from trials.enrolment.models import Enrolment
from trials.enrolment.services import randomise
from trials.proposals.models import Trial
from trials.proposals.services import PrimaryOutcome, ProposalDraft, draft_proposal, submit_proposal
from trials.review.services import approve_trial, close_recruitment, open_recruitment, start_review
from trials.states import TrialStatus

PASSWORD = "pw-for-tests-1"
_seq = count(1)


def site(session: Session, code: str) -> Site:
    return session.scalars(select(Site).where(Site.code == code)).one()


def make_user(
    session: Session,
    *roles: Role,
    organisation: Organisation | None = None,
    sites: list[Site] | None = None,
    email: str | None = None,
    full_name: str = "Test User",
) -> User:
    return create_user(
        session,
        email=email or f"user{next(_seq)}@example.test",
        full_name=full_name,
        password=PASSWORD,
        roles=set(roles),
        organisation_id=organisation.id if organisation else None,
        sites=sites,
    )


def make_organisation(session: Session, name: str | None = None) -> Organisation:
    organisation = Organisation(name=name or f"Organisation {next(_seq)}")
    session.add(organisation)
    session.flush()
    return organisation


def make_participant(
    session: Session,
    *,
    full_name: str = "Jo Resident",
    date_of_birth: dt.date = dt.date(1950, 6, 1),
    postcode: str = "BH1 1AA",
) -> Participant:
    return register_participant(
        session,
        full_name=full_name,
        email=f"resident{next(_seq)}@example.test",
        password=PASSWORD,
        date_of_birth=date_of_birth,
        sex=Sex.FEMALE,
        postcode=postcode,
        registry_opt_in=True,
    )


def make_product(session: Session, company: User) -> Product:
    return register_product(
        session,
        actor=company,
        name=f"Product {next(_seq)}",
        category=ProductCategory.DEVICE,
        intended_use="Helps people stay steady on their feet.",
    )


@dataclass
class World:
    """The cast of a typical test: two companies, staff at both sites, an evaluator."""

    org: Organisation
    other_org: Organisation
    company: User
    other_company: User
    researcher_wfh: User
    researcher_dor: User
    evaluator: User
    admin: User
    participant: Participant
    wfh: Site
    dor: Site


def make_world(session: Session) -> World:
    wfh, dor = site(session, "WFH"), site(session, "DOR")
    org, other_org = (
        make_organisation(session, "Acme Devices"),
        make_organisation(session, "Rival Ltd"),
    )
    world = World(
        org=org,
        other_org=other_org,
        company=make_user(session, Role.COMPANY, organisation=org, email="company@example.test"),
        other_company=make_user(
            session, Role.COMPANY, organisation=other_org, email="other.company@example.test"
        ),
        researcher_wfh=make_user(
            session, Role.RESEARCHER, sites=[wfh], email="researcher.wfh@example.test"
        ),
        researcher_dor=make_user(
            session, Role.RESEARCHER, sites=[dor], email="researcher.dor@example.test"
        ),
        evaluator=make_user(session, Role.EVALUATOR, email="evaluator@example.test"),
        admin=make_user(session, Role.ADMIN, email="admin@example.test"),
        participant=make_participant(session),
        wfh=wfh,
        dor=dor,
    )
    session.flush()
    return world


def make_trial(
    session: Session,
    world: World,
    *,
    status: TrialStatus = TrialStatus.DRAFT,
    company: User | None = None,
    sites: tuple[str, ...] = ("WFH", "DOR"),
    title: str = "Steady feet trial",
) -> Trial:
    """A trial driven through the real services up to ``status`` (draft..follow_up)."""
    company = company or world.company
    product = make_product(session, company)
    site_ids = {site(session, code).id: 20 for code in sites}
    trial = draft_proposal(
        session,
        actor=company,
        draft=ProposalDraft(
            product_id=product.id,
            title=title,
            summary="We want to find out whether the product helps.",
            control_arm="Usual care",
            intervention_arm="Product",
            outcome=PrimaryOutcome("Timed Up and Go", "seconds", 3, 120, 1.5, lower_is_better=True),
            site_targets=site_ids,
        ),
    )
    order = [
        TrialStatus.SUBMITTED,
        TrialStatus.IN_REVIEW,
        TrialStatus.APPROVED,
        TrialStatus.RECRUITING,
        TrialStatus.FOLLOW_UP,
    ]
    reviewer = world.researcher_wfh if "WFH" in sites else world.researcher_dor
    steps = {
        TrialStatus.SUBMITTED: lambda: submit_proposal(session, trial, actor=company),
        TrialStatus.IN_REVIEW: lambda: start_review(session, trial, actor=reviewer),
        TrialStatus.APPROVED: lambda: (
            rate_checklist_satisfied(session, trial, reviewer),
            approve_trial(
                session, trial, actor=reviewer, site_targets=site_ids, comments="Fine.", seed=42
            ),
        ),
        TrialStatus.RECRUITING: lambda: (
            record_ethics_approval(session, trial, reviewer),
            open_recruitment(session, trial, actor=reviewer),
        ),
        TrialStatus.FOLLOW_UP: lambda: close_recruitment(session, trial, actor=reviewer),
    }
    if status is not TrialStatus.DRAFT:
        for step in order[: order.index(status) + 1]:
            steps[step]()
    session.flush()
    return trial


def consent(
    session: Session, trial: Trial, participant: Participant, site_code: str = "WFH"
) -> Enrolment:
    form = current_consent_form(session, trial.id)
    sign_consent(
        session,
        participant=participant,
        trial=trial,
        site_id=site(session, site_code).id,
        answers={s.id: True for s in form.statements},
        typed_name=participant.user.full_name,
        comprehension=correct_answers(form),
    )
    return session.scalars(
        select(Enrolment).where(
            Enrolment.trial_id == trial.id, Enrolment.participant_id == participant.id
        )
    ).one()


def randomised(
    session: Session, world: World, trial: Trial, participant: Participant, site_code: str = "WFH"
) -> Enrolment:
    enrolment = consent(session, trial, participant, site_code)
    staff = world.researcher_wfh if site_code == "WFH" else world.researcher_dor
    return randomise(session, enrolment, trial=trial, actor=staff)


def reload_trial(session: Session, trial_id: int) -> Trial:
    """The trial as stored now, with arms, sites, measures, visits, product and organisation."""
    from trials.queries import trial_with_details

    return session.scalars(
        trial_with_details().where(Trial.id == trial_id).execution_options(populate_existing=True)
    ).one()


#: Which step of the proposal each form box is on (by name, or by the start of its name).
_STEP_OF = (
    ("design", ("design", "washout_days", "arms-")),
    ("sites", ("target_", "recruitment_")),
    (
        "eligibility",
        (
            "min_age",
            "max_age",
            "sexes",
            "postcode_areas",
            "required_conditions",
            "excluded_conditions",
            "digital_needs",
        ),
    ),
    ("visits", ("visits-",)),
    ("measures", ("measures-",)),
)
STEP_SLUGS = ("about", "design", "sites", "eligibility", "visits", "measures")


def proposal_steps(product_id: int, **changes: str) -> dict[str, dict[str, str]]:
    """What a company types into each step: a valid, complete 1:1 trial at WFH.

    Complete means nothing is missing for submission: aims, population, funding, an ICS
    outcome, two arms, an age range, a recruitment window starting in 30 days for a year,
    a baseline and a follow-up visit, and a primary outcome. ``changes`` go to the step
    whose box they name (``arms-1-ratio``, ``target_dor``, ``title`` ...).
    """
    start = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    end = start + dt.timedelta(days=365)
    parts = ("day", "month", "year")
    steps: dict[str, dict[str, str]] = {
        "about": {
            "product_id": str(product_id),
            "title": "StepRight falls trial",
            "summary": "We want to find out whether the insole helps people stay steady.",
            "aims": "To find out whether the insole shortens Timed Up and Go after 12 weeks.",
            "target_population": "People aged 65 and over living at home in Dorset.",
            "funding": "Paid for by the company.",
            "ics_outcomes": "living_independently",
        },
        "design": {
            "design": "parallel_rct",
            "arms-0-name": "Usual care",
            "arms-0-ratio": "1",
            "arms-0-is_control": "y",
            "arms-1-name": "StepRight",
            "arms-1-ratio": "1",
        },
        "sites": {
            "target_wfh": "40",
            "target_dor": "",
            **{f"recruitment_start-{part}": str(getattr(start, part)) for part in parts},
            **{f"recruitment_end-{part}": str(getattr(end, part)) for part in parts},
        },
        "eligibility": {"min_age": "65", "max_age": "95", "postcode_areas": ""},
        "visits": {
            "visits-0-name": "Baseline",
            "visits-0-day_offset": "0",
            "visits-0-window_days": "0",
            "visits-1-name": "Follow-up",
            "visits-1-day_offset": "84",
            "visits-1-window_days": "7",
        },
        "measures": {
            "measures-0-name": "Timed Up and Go",
            "measures-0-unit": "seconds",
            "measures-0-type": "continuous",
            "measures-0-min_value": "3",
            "measures-0-max_value": "120",
            "measures-0-minimal_important_difference": "1.5",
            "measures-0-is_primary": "y",
            "measures-0-lower_is_better": "y",
        },
    }
    for key, value in changes.items():
        slug = next(
            (slug for slug, starts in _STEP_OF if key.startswith(starts)),
            "about",
        )
        steps[slug][key] = value
    return steps


def proposal_form_data(product_id: int, **changes: str) -> dict[str, str]:
    """The first step's boxes (about the trial), as :func:`proposal_steps` fills them."""
    return proposal_steps(product_id, **changes)["about"]


def propose(client, product_id: int, **changes: str) -> int:
    """Fill in every step of a new proposal over HTTP; returns the draft trial's id."""
    steps = proposal_steps(product_id, **changes)
    response = client.post("/proposals/new", data=steps["about"])
    assert response.status_code == 302, response.get_data(as_text=True)
    trial_id = int(response.headers["Location"].split("/")[2])
    for slug in STEP_SLUGS[1:]:
        response = client.post(f"/proposals/{trial_id}/steps/{slug}", data=steps[slug])
        assert response.status_code == 302, response.get_data(as_text=True)
    return trial_id


def consent_form_data(
    session: Session, trial_id: int, site_id: int, typed_name: str, /, **overrides: str | None
) -> dict[str, str]:
    """A complete, confirmed consent as posted from "check your answers": every statement
    ticked, every question answered right, a site and the typed name. ``None`` drops a key."""
    form = current_consent_form(session, trial_id)
    data: dict[str, str | None] = {
        f"statement_{s.id}": "y" for s in (form.statements if form else [])
    }
    data |= {
        f"question_{question_id}": str(option)
        for question_id, option in (correct_answers(form) if form else {}).items()
    }
    data |= {"site_id": str(site_id), "typed_name": typed_name, "confirmed": "yes", **overrides}
    return {key: value for key, value in data.items() if value is not None}


def count_where(session: Session, model: type, *where) -> int:
    """Rows of ``model`` matching ``where`` as stored now (the session's cache expired)."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def count_rows(session: Session, model: type) -> int:
    """How many rows the table of ``model`` holds, for "nothing was written" checks."""
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(model))


def rate_checklist_satisfied(session: Session, trial: Trial, reviewer: User) -> None:
    """Rate every review checklist item "satisfied", as approval requires."""
    from trials.review.checklist import CHECKLIST, Rating, rate_checklist
    from trials.review.models import ChecklistRating

    rate_checklist(
        session,
        trial,
        actor=reviewer,
        ratings={item.code: Rating(ChecklistRating.SATISFIED) for item in CHECKLIST},
    )


#: What research staff type into the ethics form for a trial with a favourable opinion.
ETHICS_FORM_DATA = {
    "iras_id": "1234567",
    "rec_reference": "24/SC/0123",
    "approved_on-day": "1",
    "approved_on-month": "3",
    "approved_on-year": "2024",
}


def record_ethics_approval(session: Session, trial: Trial, reviewer: User) -> None:
    """Record the IRAS ID, REC reference and approval date recruitment needs."""
    from trials.review.ethics import record_ethics

    record_ethics(
        session,
        trial,
        actor=reviewer,
        iras_id="1234567",
        rec_reference="24/SC/0123",
        approved_on=dt.date(2024, 3, 1),
    )


def checklist_form_data(rating: str = "satisfied", **changes: str) -> dict[str, str]:
    """The review checklist form with every item given ``rating`` (and a note, if needed)."""
    from trials.review.checklist import CHECKLIST

    data: dict[str, str] = {}
    for item in CHECKLIST:
        data[f"{item.code}_rating"] = rating
        data[f"{item.code}_note"] = "" if rating == "satisfied" else "Needs a closer look."
    return {**data, **changes}


def approval_form_data(session: Session, trial_id: int, **changes: str) -> dict[str, str]:
    """What a reviewer adds to the approve form besides the sites: the trial's draft
    consent form and a recruitment window from 30 days' time for a year."""
    from trials.consent.versions import draft_of

    start = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    end = start + dt.timedelta(days=365)
    draft = draft_of(session, trial_id)
    data = {"consent_form": str(draft.id) if draft else ""}
    for name, day in (("recruitment_start", start), ("recruitment_end", end)):
        data |= {f"{name}-{part}": str(getattr(day, part)) for part in ("day", "month", "year")}
    return {**data, **changes}
