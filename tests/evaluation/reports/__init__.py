"""A recruited trial with every CONSORT path, built through the real services.

:func:`build_scenario` randomises ``n`` residents (alternately at DOR and WFH, with a
baseline Timed Up and Go each), then moves some along the pipeline: the first withdraws
keeping their data, the second withdraws stopping data use, the third is lost to
follow-up. Outside the randomised group: two register interest only, one consents and
waits, one consents and withdraws before randomisation, and three volunteers are
invited (one declines, two never answer).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from livinglab.db import utcnow
from tests import factories
from tests.evaluation.conftest import record_primary
from tests.factories import reload_trial
from trials.consent.models import WithdrawalScope
from trials.eligibility.services import register_interest
from trials.enrolment import pipeline
from trials.enrolment.models import Enrolment
from trials.invitations import services as invitations
from trials.proposals.models import Trial
from trials.safety.models import Outcome, Relatedness, SeriousCriterion, Severity
from trials.safety.services import AdverseEventDraft, report_adverse_event
from trials.states import TrialStatus

BASELINES = (12.0, 14.0, 16.0, 18.0, 11.0, 13.0, 15.0, 17.0, 19.0, 20.0)


@dataclass
class Scenario:
    trial: Trial
    randomised: list[Enrolment]
    kept_data: Enrolment
    data_withdrawn: Enrolment
    lost: Enrolment


def staff(world: factories.World, enrolment: Enrolment):
    return world.researcher_wfh if enrolment.site_id == world.wfh.id else world.researcher_dor


def build_scenario(session: Session, world: factories.World, n: int = 10) -> Scenario:
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    trial = reload_trial(session, trial.id)
    randomised = []
    for i in range(n):
        person = factories.make_participant(session, full_name=f"Resident Number{i}")
        enrolment = factories.randomised(session, world, trial, person, "WFH" if i % 2 else "DOR")
        record_primary(session, world, trial, enrolment, "baseline", BASELINES[i % 10])
        randomised.append(enrolment)
    kept, withdrawn, lost = randomised[:3]
    for enrolment, scope in (
        (kept, WithdrawalScope.STOP_TAKING_PART),
        (withdrawn, WithdrawalScope.STOP_DATA_USE),
    ):
        pipeline.withdraw_on_behalf(
            session,
            enrolment,
            trial=trial,
            actor=staff(world, enrolment),
            scope=scope,
            reason="Moving away.",
        )
    pipeline.lose_to_follow_up(
        session, lost, trial=trial, actor=staff(world, lost), reason="Not reachable."
    )
    for _ in range(2):
        person = factories.make_participant(session, full_name="Interested Only")
        register_interest(session, participant=person, trial=trial, site_id=world.wfh.id)
    factories.consent(session, trial, factories.make_participant(session, full_name="Waiting"))
    early = factories.consent(
        session, trial, factories.make_participant(session, full_name="Early")
    )
    pipeline.withdraw_on_behalf(
        session,
        early,
        trial=trial,
        actor=world.researcher_wfh,
        scope=WithdrawalScope.STOP_TAKING_PART,
        reason="Changed their mind.",
    )
    volunteers = [factories.make_participant(session, full_name="Volunteer") for _ in range(3)]
    sent = invitations.invite(
        session,
        trial=trial,
        participant_ids=[v.id for v in volunteers],
        site_id=world.wfh.id,
        actor=world.researcher_wfh,
    )
    invitations.decline(session, sent[0], participant=volunteers[0])
    session.flush()
    return Scenario(trial, randomised, kept, withdrawn, lost)


def adverse_event(
    session: Session,
    world: factories.World,
    trial: Trial,
    enrolment: Enrolment,
    *,
    severity: Severity = Severity.MILD,
    relatedness: Relatedness = Relatedness.NOT_RELATED,
    serious: SeriousCriterion | None = None,
    outcome: Outcome = Outcome.RECOVERED,
) -> None:
    """Report one adverse event for ``enrolment`` as its site's staff (today)."""
    report_adverse_event(
        session,
        enrolment,
        trial=trial,
        actor=staff(world, enrolment),
        draft=AdverseEventDraft(
            description="Felt dizzy after a walk.",
            is_serious=serious is not None,
            serious_criterion=serious,
            severity=severity,
            relatedness=relatedness,
            outcome=outcome,
            onset_on=utcnow().date(),
        ),
    )
