"""Screening the registry for a trial: counts by criterion, the list, and who may see them."""

from __future__ import annotations

import datetime as dt
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from livinglab.accounts.models import User
from livinglab.participants.models import Condition, Participant, Sex
from tests import factories
from tests.pages import text_of
from tests.trials.invitations.helpers import invite
from trials.eligibility import rules, screening
from trials.eligibility.models import EligibilityCriteria
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.proposals.models import Trial
from trials.states import TrialStatus

TODAY = dt.date(2026, 6, 15)
_seq = count(1)


def born_aged(years: int, today: dt.date = TODAY) -> dt.date:
    """Half a year past the ``years``th birthday: that age whatever day the test runs."""
    return today - dt.timedelta(days=round(365.25 * (years + 0.5)))


def add_volunteer(
    session,
    name: str,
    *,
    age: int = 40,
    sex: Sex = Sex.FEMALE,
    postcode: str = "BH8 8DL",
    smartphone: bool | None = True,
    conditions: list[Condition] = (),
    opted_in: bool = True,
    account_open: bool = True,
    today: dt.date = TODAY,
) -> Participant:
    """A resident added directly (no password to hash): only what the screen reads."""
    n = next(_seq)
    user = User(
        email=f"{name.lower().replace(' ', '.')}{n}@example.test",
        full_name=name,
        is_active_account=account_open,
    )
    session.add(user)
    session.flush()
    participant = Participant(
        user_id=user.id,
        date_of_birth=born_aged(age, today),
        sex=sex,
        postcode=postcode,
        registry_opt_in=opted_in,
        has_smartphone=smartphone,
        nhs_number=f"94347659{n % 100:02d}",
        conditions=list(conditions),
    )
    session.add(participant)
    session.flush()
    return participant


def enrol(session, trial: Trial, participant: Participant, status=EnrolmentStatus.INTERESTED):
    session.add(
        Enrolment(
            trial_id=trial.id,
            participant_id=participant.id,
            site_id=factories.site(session, "WFH").id,
            participant_code=f"T{trial.id}-{participant.id:04d}",
            status=status,
        )
    )
    session.flush()


def set_criteria(session, trial: Trial, **values) -> EligibilityCriteria:
    criteria = EligibilityCriteria(trial_id=trial.id, **values)
    session.add(criteria)
    session.commit()
    return criteria


def loaded(session, trial_id: int) -> Trial:
    """The trial with its criteria, as the screening page loads it."""
    session.expire_all()
    return session.scalars(
        select(Trial).where(Trial.id == trial_id).options(selectinload(Trial.eligibility))
    ).one()


@pytest.fixture
def trial(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()
    return trial


@pytest.fixture
def conditions(session):
    return list(session.scalars(select(Condition).order_by(Condition.id).limit(2)))


@pytest.fixture
def registry(session, world, trial, conditions):
    """A small known registry; world.participant (aged 76, BH1, female) is in it too."""
    needed, excluded = conditions
    set_criteria(
        session,
        trial,
        min_age=18,
        max_age=65,
        sexes=["female"],
        postcode_areas=["BH"],
        needs_smartphone=True,
        required_conditions=[needed],
        excluded_conditions=[excluded],
    )
    other_trial = factories.make_trial(session, world, title="Another trial")
    people = {
        "eligible": add_volunteer(session, "Alice Able", conditions=[needed]),
        "has excluded": add_volunteer(session, "Bea Barred", conditions=[needed, excluded]),
        "no smartphone": add_volunteer(session, "Cat Cable", smartphone=False, conditions=[needed]),
        "Dorchester": add_volunteer(session, "Di Dorset", postcode="DT1 1AA", conditions=[needed]),
        "male": add_volunteer(session, "Ed Male", sex=Sex.MALE, conditions=[needed]),
        "too old": add_volunteer(session, "Flo Older", age=70, conditions=[needed]),
        "Birmingham": add_volunteer(session, "Gil Brum", postcode="B1 1AA", conditions=[needed]),
        "opted out": add_volunteer(session, "Hal Hidden", opted_in=False, conditions=[needed]),
        "deleted": add_volunteer(session, "Ida Gone", account_open=False, conditions=[needed]),
        "in this trial": add_volunteer(session, "Jo Joined", conditions=[needed]),
        "no condition": add_volunteer(session, "Kit Well"),
        "elsewhere": add_volunteer(session, "Lou Busy", postcode="BH10 1AB", conditions=[needed]),
    }
    enrol(session, trial, people["in this trial"])
    enrol(session, other_trial, people["elsewhere"])
    session.commit()
    return people


# The counts ------------------------------------------------------------------------------


def test_the_funnel_counts_each_criterion_on_top_of_the_ones_above(session, trial, registry):
    funnel = screening.screening_funnel(session, loaded(session, trial.id), TODAY)
    assert [step.count for step in funnel] == [10, 8, 7, 5, 4, 3, 2]
    assert [step.label for step in funnel][:5] == [
        screening.OPTED_IN,
        "Aged 18 to 65",
        "Sex: female",
        "Lives in BH",
        "Has a smartphone",
    ]


def test_the_funnel_sends_one_query(session, trial, registry, count_queries):
    trial = loaded(session, trial.id)
    with count_queries() as statements:
        screening.screening_funnel(session, trial, TODAY)
    assert len(statements) == 1


def test_a_trial_without_criteria_counts_every_screened_volunteer(session, world, trial):
    add_volunteer(session, "Ann Other")
    session.commit()
    funnel = screening.screening_funnel(session, loaded(session, trial.id), TODAY)
    assert funnel == [screening.FunnelStep(screening.OPTED_IN, 2)]


def test_the_list_is_exactly_those_the_python_check_passes(session, world, trial, registry):
    trial = loaded(session, trial.id)
    listed = {row.id for row in session.execute(screening.query_eligible(trial, TODAY))}
    screened = set(
        session.scalars(
            select(Participant.id)
            .join(User, User.id == Participant.user_id)
            .where(screening.screened_volunteers(trial.id))
        )
    )
    people = session.scalars(select(Participant).options(selectinload(Participant.conditions)))
    for person in people:
        expected = person.id in screened and rules.is_eligible(trial.eligibility, person, TODAY)
        assert (person.id in listed) is expected, person.user.full_name
    assert listed == {registry["eligible"].id, registry["elsewhere"].id}


def test_eligible_participants_clause_is_all_the_criterion_clauses(session, trial, registry):
    trial = loaded(session, trial.id)
    keys = [key for key, _clause in rules.criterion_clauses(trial.eligibility, TODAY)]
    assert keys == [r.key for r in rules.requirements(trial.eligibility)]


def list_ids(session, trial: Trial) -> set[int]:
    query = screening.query_eligible(loaded(session, trial.id), rules.today_in_uk())
    return {row.id for row in session.execute(query)}


# The page --------------------------------------------------------------------------------


def screening_url(trial: Trial) -> str:
    return f"/enrolment/trials/{trial.id}/screening"


def test_the_research_team_sees_the_counts_and_a_list_without_identities(
    client, session, world, login_as, trial, registry
):
    login_as(world.researcher_wfh)
    response = client.get(screening_url(trial))
    assert response.status_code == 200
    page = text_of(response)
    assert f"{screening.OPTED_IN} 10 And aged 18 to 65 8 And sex: female 7" in page
    assert "And lives in BH 5 And has a smartphone 4" in page
    eligible, elsewhere = registry["eligible"], registry["elsewhere"]
    assert f"R-{eligible.id:06d} 40 to 49 BH8 Not invited" in page
    assert f"R-{elsewhere.id:06d} 40 to 49 BH10 Taking part in another trial" in page
    assert "Another trial" not in page  # held elsewhere, but the trial is not named
    assert "2 volunteers match" in page
    html = response.get_data(as_text=True)
    for person in [*registry.values(), world.participant]:
        assert person.user.full_name not in html
        assert person.user.email not in html
        assert person.postcode not in html
        assert person.nhs_number is None or person.nhs_number not in html
        assert person.date_of_birth.isoformat() not in html


def test_the_enrolment_page_links_to_the_screen(client, world, login_as, trial):
    login_as(world.researcher_wfh)
    html = client.get(f"/enrolment/trials/{trial.id}").get_data(as_text=True)
    assert f'href="{screening_url(trial)}"' in html


def test_the_list_is_paginated(app, client, session, world, login_as, trial):
    app.config["PAGE_SIZE"] = 2
    people = [add_volunteer(session, f"Pat Number{n}", today=rules.today_in_uk()) for n in range(4)]
    session.commit()
    login_as(world.researcher_wfh)
    first = text_of(client.get(screening_url(trial)))
    last = text_of(client.get(screening_url(trial) + "?page=3"))
    # world.participant was registered first, so the first page is theirs and people[0].
    assert f"R-{world.participant.id:06d}" in first
    assert f"R-{people[0].id:06d}" in first
    assert f"R-{people[1].id:06d}" not in first
    assert "5 volunteers match" in first
    assert f"R-{people[3].id:06d}" in last
    assert client.get(screening_url(trial) + "?page=4").status_code == 404


def test_the_page_sends_the_same_number_of_queries_with_3_or_30_volunteers(
    app, client, session, world, login_as, trial, count_queries
):
    app.config["PAGE_SIZE"] = 50
    set_criteria(session, trial, min_age=18, postcode_areas=["BH"])
    login_as(world.researcher_wfh)
    url = screening_url(trial)
    sent = []
    for volunteers in (3, 30):
        while len(list_ids(session, trial)) < volunteers:
            add_volunteer(session, "Sam Many", today=rules.today_in_uk())
        session.commit()
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert f"{volunteers} volunteers match" in text_of(response)
        sent.append(len(statements))
    assert sent[0] == sent[1]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("researcher_dor", 404),
        ("company", 403),
        ("evaluator", 403),
        ("admin", 403),
    ],
)
def test_only_the_research_team_at_an_approved_site_may_screen(
    client, world, login_as, trial, who, status
):
    login_as(getattr(world, who))
    assert client.get(screening_url(trial)).status_code == status


def test_a_participant_may_not_screen(client, world, login_as, trial):
    login_as(world.participant.user)
    assert client.get(screening_url(trial)).status_code == 403


def test_an_approved_trial_can_be_screened(client, session, world, login_as):
    trial = factories.make_trial(session, world, status=TrialStatus.APPROVED, sites=("WFH",))
    session.commit()
    login_as(world.researcher_wfh)
    assert client.get(screening_url(trial)).status_code == 200


@pytest.mark.parametrize(
    ("status", "code"),
    # In review, no site is approved yet, so nobody can run the trial.
    [(TrialStatus.IN_REVIEW, 403), (TrialStatus.FOLLOW_UP, 404)],
)
def test_a_trial_not_approved_or_recruiting_cannot_be_screened(
    client, session, world, login_as, status, code
):
    trial = factories.make_trial(session, world, status=status, sites=("WFH",))
    session.commit()
    login_as(world.researcher_wfh)
    assert client.get(screening_url(trial)).status_code == code


def test_invitation_statuses_cost_no_query_per_volunteer(
    app, client, session, world, login_as, trial, count_queries
):
    app.config["PAGE_SIZE"] = 50
    today = rules.today_in_uk()
    other = factories.make_trial(session, world, status=TrialStatus.RECRUITING, title="Other")
    login_as(world.researcher_wfh)
    sent = []
    for batch in (2, 12):
        here = [add_volunteer(session, "Ina Here", today=today) for _ in range(batch)]
        there = [add_volunteer(session, "Ola There", today=today) for _ in range(batch)]
        invite(session, world, trial, here)
        invite(session, world, other, there)
        session.commit()
        with count_queries() as statements:
            page = text_of(client.get(screening_url(trial)))
        assert f"R-{here[0].id:06d} 40 to 49 BH8 Invited (this trial)" in page
        assert f"R-{there[0].id:06d} 40 to 49 BH8 Invited to another trial" in page
        assert f"Waiting for an answer {2 if batch == 2 else 14}" in page
        sent.append(len(statements))
    assert sent[0] == sent[1]
