"""Helpers shared by the enrolment page tests: residents to enrol, values to record, URLs."""

from __future__ import annotations

from sqlalchemy import func, select

from tests import factories
from trials.enrolment.models import Enrolment
from trials.observations.services import record_observation
from trials.proposals.models import Trial, TrialVisit
from trials.queries import trial_with_details


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def fresh(session, model, id_):
    """The row as the database has it now (the test shares the requests' session)."""
    session.expire_all()
    return session.get(model, id_)


def load_trial(session, trial_id: int) -> Trial:
    return session.scalars(
        trial_with_details().where(Trial.id == trial_id).execution_options(populate_existing=True)
    ).one()


def visit_id(session, trial_id: int, code: str) -> int:
    return session.scalar(
        select(TrialVisit.id).where(TrialVisit.trial_id == trial_id, TrialVisit.code == code)
    )


def staff_for(world: factories.World, site: str):
    return world.researcher_wfh if site == "WFH" else world.researcher_dor


def enrol(
    session,
    world,
    trial_id: int,
    site: str = "WFH",
    *,
    name: str | None = None,
    randomise: bool = False,
) -> Enrolment:
    """A resident who consented at ``site`` (and, if asked, was randomised), committed."""
    trial = load_trial(session, trial_id)
    participant = factories.make_participant(session, full_name=name or "Resident Person")
    if randomise:
        enrolment = factories.randomised(session, world, trial, participant, site)
    else:
        enrolment = factories.consent(session, trial, participant, site)
    session.commit()
    return enrolment


def record_as_staff(session, world, trial_id: int, enrolment_id: int, visit: str, value: float):
    trial = load_trial(session, trial_id)
    enrolment = session.get(Enrolment, enrolment_id)
    site = "WFH" if enrolment.site_id == world.wfh.id else "DOR"
    record_observation(
        session,
        enrolment,
        trial=trial,
        visit=next(v for v in trial.visits if v.code == visit),
        measure=trial.primary_measure,
        value=value,
        actor=staff_for(world, site),
    )
    session.commit()


def record_url(enrolment: Enrolment | int) -> str:
    enrolment_id = enrolment if isinstance(enrolment, int) else enrolment.id
    return f"/enrolment/enrolments/{enrolment_id}/observations"


def randomise_url(enrolment: Enrolment | int) -> str:
    enrolment_id = enrolment if isinstance(enrolment, int) else enrolment.id
    return f"/enrolment/enrolments/{enrolment_id}/randomise"


def post_value(client, session, trial_id, enrolment, *, visit="baseline", value="12.5", **extra):
    data = {"visit_id": str(visit_id(session, trial_id, visit)), "value": value, **extra}
    return client.post(record_url(enrolment), data=data)
