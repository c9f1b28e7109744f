"""Randomising by the trial's method: blocks, minimisation, or starting a single-arm trial."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from livinglab.audit.models import AuditEvent
from livinglab.participants.models import Sex
from tests import factories
from tests.trials.randomisation.helpers import recruiting_trial
from trials.enrolment.models import EnrolmentStatus
from trials.enrolment.services import randomise
from trials.followup.models import ScheduledVisit
from trials.proposals.models import RandomisationMethod, TrialDesign
from trials.proposals.section_rules import ArmDraft
from trials.randomisation.bands import age_band
from trials.randomisation.minimisation import draws_for, minimise
from trials.randomisation.models import AllocationSlot
from trials.randomisation.services import allocate_by_minimisation

MINIMISATION = RandomisationMethod.MINIMISATION
#: (date of birth, sex, site) of the residents randomised in the minimisation tests.
PEOPLE = [
    (dt.date(1950, 6, 1), Sex.FEMALE, "WFH"),
    (dt.date(1990, 1, 1), Sex.MALE, "WFH"),
    (dt.date(1955, 3, 3), Sex.FEMALE, "DOR"),
    (dt.date(1980, 2, 2), Sex.MALE, "DOR"),
    (dt.date(1948, 5, 5), Sex.FEMALE, "WFH"),
    (dt.date(1949, 7, 7), Sex.FEMALE, "WFH"),
    (dt.date(1960, 9, 9), Sex.MALE, "DOR"),
    (dt.date(1962, 10, 10), Sex.FEMALE, "WFH"),
]


def events(session, trial_id: int, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.trial_id == trial_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
    )


def count_slots(session, trial_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(AllocationSlot).where(AllocationSlot.trial_id == trial_id)
    )


def resident(session, born: dt.date, sex: Sex):
    participant = factories.make_participant(session, date_of_birth=born)
    participant.sex = sex
    return participant


def test_minimisation_trials_get_no_list_and_record_the_method(session, world):
    trial = recruiting_trial(session, world, method=MINIMISATION, seed=7)
    assert trial.randomisation_method is MINIMISATION
    assert trial.allocation_seed == 7
    assert count_slots(session, trial.id) == 0
    (configured,) = events(session, trial.id, "randomisation.configured")
    assert configured.new_value["method"] == "minimisation"
    assert configured.new_value["seed"] == 7
    assert configured.new_value["factors"] == ["site", "age_band", "sex"]
    (approved,) = events(session, trial.id, "trial.approved")
    assert approved.new_value["randomisation_method"] == "minimisation"
    assert events(session, trial.id, "allocation_list.generated") == []


def test_minimisation_is_audited_and_can_be_replayed(session, world):
    trial = recruiting_trial(session, world, method=MINIMISATION)
    staff = {"WFH": world.researcher_wfh, "DOR": world.researcher_dor}
    today = dt.datetime.now(dt.UTC).date()
    enrolments = []
    for born, sex, code in PEOPLE:
        enrolment = factories.consent(session, trial, resident(session, born, sex), code)
        enrolments.append(randomise(session, enrolment, trial=trial, actor=staff[code]))
    arms = [arm.id for arm in trial.arms]
    audited = events(session, trial.id, "enrolment.randomised")
    assert [e.new_value["sequence"] for e in audited] == list(range(1, len(PEOPLE) + 1))
    for enrolment, event, (born, sex, code) in zip(enrolments, audited, PEOPLE, strict=True):
        assert enrolment.status is EnrolmentStatus.RANDOMISED
        assert (enrolment.age_band, enrolment.sex) == (age_band(born, today), sex.value)
        details = event.new_value
        assert details["factors"] == {"site": code, "age_band": enrolment.age_band, "sex": sex}
        assert details["method"] == "minimisation"
        # An auditor holding the seed gets the same draws and the same arm from the counts.
        assert details["draws"] == list(draws_for(42, details["sequence"]))
        counts = [[details["counts"][f][str(a)] for a in arms] for f in ("site", "age_band", "sex")]
        replay = minimise(counts, [1, 1], tuple(details["draws"]))
        assert arms[replay.arm] == enrolment.arm_id == details["arm_id"]
        assert details["scores"] == {str(a): s for a, s in zip(arms, replay.scores, strict=True)}
    assert abs(sum(e.arm_id == arms[0] for e in enrolments) - len(PEOPLE) / 2) <= 2


def test_minimisation_counts_earlier_allocations_in_one_grouped_query(
    session, world, count_queries
):
    trial = recruiting_trial(session, world, method=MINIMISATION)
    for born, sex, code in PEOPLE[:4]:
        enrolment = factories.consent(session, trial, resident(session, born, sex), code)
        randomise(
            session,
            enrolment,
            trial=trial,
            actor=world.researcher_wfh if code == "WFH" else world.researcher_dor,
        )
    waiting = factories.consent(session, trial, resident(session, *PEOPLE[4][:2]), "WFH")
    waiting.age_band, waiting.sex = "75+", "female"
    session.flush()
    with count_queries() as statements:
        _, details = allocate_by_minimisation(session, trial, waiting)
    assert len(statements) == 2, statements  # the trial's row lock, then the counts
    assert "GROUP BY" in statements[1] and "enrolments" in statements[1]
    if session.get_bind().dialect.name == "postgresql":
        assert "FOR NO KEY UPDATE" in statements[0]
    assert details["sequence"] == 5
    assert sum(details["counts"]["site"].values()) == 2  # the two earlier WFH participants


def test_blocks_record_age_band_and_sex_and_the_slot(session, world):
    trial = factories.make_trial(session, world, status=factories.TrialStatus.RECRUITING)
    enrolment = factories.randomised(session, world, trial, world.participant)
    assert enrolment.sex == "female"
    assert enrolment.age_band == age_band(dt.date(1950, 6, 1), dt.datetime.now(dt.UTC).date())
    (event,) = events(session, trial.id, "enrolment.randomised")
    assert event.new_value["method"] == "blocks"
    assert (event.new_value["stratum"], event.new_value["slot"]) == ("WFH", 1)
    assert event.new_value["age_band"] == enrolment.age_band


def test_a_single_arm_trial_starts_participants_without_a_list(session, world):
    trial = recruiting_trial(
        session,
        world,
        design=TrialDesign.SINGLE_ARM,
        arms=(ArmDraft("StepRight", 1, False),),
        method=MINIMISATION,  # ignored: a single-arm trial does not randomise
    )
    assert count_slots(session, trial.id) == 0
    assert events(session, trial.id, "randomisation.configured") == []
    enrolment = factories.randomised(session, world, trial, world.participant)
    assert enrolment.status is EnrolmentStatus.ACTIVE
    assert enrolment.arm.name == "StepRight"
    assert enrolment.age_band and enrolment.sex == "female"
    assert events(session, trial.id, "enrolment.randomised") == []
    (started,) = events(session, trial.id, "enrolment.started")
    assert started.new_value["method"] == "single arm"
    scheduled = session.scalar(
        select(func.count()).where(ScheduledVisit.enrolment_id == enrolment.id)
    )
    assert scheduled == started.new_value["visits_scheduled"] == 1


def test_the_enrolment_page_offers_start_for_a_single_arm_trial(client, login_as, session, world):
    trial = recruiting_trial(
        session, world, design=TrialDesign.SINGLE_ARM, arms=(ArmDraft("StepRight"),)
    )
    waiting = factories.consent(session, trial, world.participant)
    session.commit()
    login_as(world.researcher_wfh)
    html = client.get(f"/enrolment/trials/{trial.id}").get_data(as_text=True)
    assert f'aria-label="Start {waiting.participant_code}"' in html
    assert "Randomise" not in html
    response = client.post(f"/enrolment/enrolments/{waiting.id}/randomise")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(type(waiting), waiting.id).status is EnrolmentStatus.ACTIVE
