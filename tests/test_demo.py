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
from trials.proposals.models import Trial
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
    assert before["Observation"] > 350
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
