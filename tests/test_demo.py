"""`flask demo` builds a believable Living Lab once, and every demo account signs in."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from livinglab.audit.models import AuditEvent
from livinglab.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from livinglab.extensions import db
from livinglab.participants.models import Participant
from trials.enrolment.models import Enrolment
from trials.observations.models import Observation
from trials.proposals.models import Measure, MeasureType, Trial, TrialVisit
from trials.states import TrialStatus


@pytest.fixture
def demo_app(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    return app


def _counts(session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model))
        for model in (AuditEvent, Participant, Enrolment, Observation, Trial)
    }


def _stridesense():
    """The StrideSense two-site trial's id (ids differ between databases)."""
    return (
        select(Trial.id)
        .where(Trial.title == "StrideSense: home strength and balance for people aged 65 and over")
        .scalar_subquery()
    )


def _values(session, measure: str) -> dict[tuple[int, str], float]:
    """``(enrolment id, visit code) -> value`` of the StrideSense trial's ``measure``."""
    rows = session.execute(
        select(Observation.enrolment_id, TrialVisit.code, Observation.value)
        .join(TrialVisit, TrialVisit.id == Observation.visit_id)
        .join(Measure, Measure.id == Observation.measure_id)
        .where(Measure.trial_id == _stridesense(), Measure.name == measure)
    )
    return {(enrolment, visit): value for enrolment, visit, value in rows}


def _follow_up_timed_up_and_go(session) -> set[int]:
    return {e for e, visit in _values(session, "Timed Up and Go") if visit == "follow_up"}


def _falls_at_follow_up(session) -> set[int]:
    """Who has both falls outcomes, checking they agree (fell exactly when falls > 0) and
    are secondary outcomes of the right types, taken at the follow-up visit only."""
    measures = session.execute(
        select(Measure.name, Measure.type, Measure.is_primary).where(
            Measure.trial_id == _stridesense()
        )
    )
    assert {name: (kind, primary) for name, kind, primary in measures} == {
        "Timed Up and Go": (MeasureType.CONTINUOUS, True),
        "Fell since the last visit": (MeasureType.BINARY, False),
        "Number of falls": (MeasureType.COUNT, False),
    }
    fell, falls = _values(session, "Fell since the last visit"), _values(session, "Number of falls")
    assert fell.keys() == falls.keys()
    assert {visit for _e, visit in fell} == {"follow_up"}
    assert all(fell[key] == float(falls[key] > 0) for key in fell)
    assert 0 < sum(fell.values()) < len(fell)
    return {e for e, _visit in fell}


def test_demo_is_rich_loading_it_twice_changes_nothing_and_every_account_signs_in(
    demo_app, session
):
    before = _counts(session)
    statuses = set(session.scalars(select(Trial.status)))
    assert {
        TrialStatus.DRAFT,
        TrialStatus.SUBMITTED,
        TrialStatus.RECRUITING,
        TrialStatus.FOLLOW_UP,
        TrialStatus.DECIDED,
    } <= statuses
    # 200 in the two-site trial, 60 in the decided pilot, Pat in JointWise, 16 in the
    # minimisation trial and 2 invited volunteers interested in CalmPath.
    assert before["Enrolment"] == 279
    # 509 values of the primary outcomes, and both falls outcomes for the 191 people of the
    # two-site trial with a follow-up Timed Up and Go.
    assert before["Observation"] == 509 + 2 * 191
    assert _falls_at_follow_up(session) == _follow_up_timed_up_and_go(session)
    ages = [p.age_on(p.created_at.date()) for p in session.scalars(select(Participant))]
    assert min(ages) >= 18 and max(ages) <= 95
    assert sum(age >= 65 for age in ages) > len(ages) / 2
    areas = {p.postcode_area for p in session.scalars(select(Participant))}
    assert areas == {"BH", "DT"}

    again = demo_app.test_cli_runner().invoke(args=["demo"])
    assert "nothing changed" in again.output
    db.session.expire_all()
    assert _counts(session) == before
    # One demo load serves both checks: loading it is the slow part.
    for email, _name, _roles in DEMO_ACCOUNTS:
        client = demo_app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get("/dashboard").status_code == 200, email
