"""Finding the participant to unblind: the trials list and the lookup by participant code."""

from __future__ import annotations

import pytest

from tests import factories
from tests.pages import text_of
from trials.states import TrialStatus


@pytest.fixture
def trial_id(session, world) -> int:
    """A recruiting trial at WFH and DOR led by the DOR researcher, one participant
    randomised at WFH and one only consented."""
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    trial.lead_id = world.researcher_dor.id
    factories.randomised(session, world, trial, factories.make_participant(session), "WFH")
    factories.consent(session, trial, factories.make_participant(session), "DOR")
    session.commit()
    return trial.id


def _codes(session, trial_id):
    from sqlalchemy import select

    from trials.enrolment.models import Enrolment

    rows = session.execute(
        select(Enrolment.id, Enrolment.participant_code, Enrolment.arm_id).where(
            Enrolment.trial_id == trial_id
        )
    ).all()
    randomised = next(r for r in rows if r.arm_id is not None)
    waiting = next(r for r in rows if r.arm_id is None)
    return randomised, waiting


def test_the_lead_finds_a_participant_by_code_in_any_case(session, world, login_as, trial_id):
    randomised, _waiting = _codes(session, trial_id)
    client = login_as(world.researcher_dor)

    response = client.get(
        f"/randomisation/trials/{trial_id}/unblindings?code=+{randomised.participant_code.lower()}"
    )

    assert response.status_code == 302
    assert response.location.endswith(f"/randomisation/enrolments/{randomised.id}/unblind")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the participant's code, for example WFH-3F9A2C"),
        ("XYZ-000000", "No randomised participant in this trial has the code XYZ-000000"),
    ],
)
def test_an_unknown_or_missing_code_is_explained(world, login_as, trial_id, code, message):
    response = login_as(world.researcher_dor).get(
        f"/randomisation/trials/{trial_id}/unblindings?code={code}"
    )

    assert response.status_code == 422
    assert "There is a problem" in text_of(response)
    assert message in text_of(response)


def test_a_participant_not_yet_randomised_is_not_found(session, world, login_as, trial_id):
    _randomised, waiting = _codes(session, trial_id)

    response = login_as(world.researcher_dor).get(
        f"/randomisation/trials/{trial_id}/unblindings?code={waiting.participant_code}"
    )

    assert response.status_code == 422


def test_the_lookup_is_refused_to_staff_who_do_not_lead_the_trial(
    session, world, login_as, trial_id
):
    randomised, _waiting = _codes(session, trial_id)
    response = login_as(world.researcher_wfh).get(
        f"/randomisation/trials/{trial_id}/unblindings?code={randomised.participant_code}"
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("who", "listed"),
    [
        ("admin", {"Steady feet trial", "Other trial"}),
        ("researcher_dor", {"Steady feet trial"}),
        ("researcher_wfh", set()),
    ],
)
def test_admins_see_every_trial_and_leads_only_theirs(
    session, world, login_as, trial_id, who, listed
):
    factories.make_trial(session, world, status=TrialStatus.RECRUITING, title="Other trial")
    session.commit()

    page = text_of(login_as(getattr(world, who)).get("/randomisation/"))

    assert {title for title in ("Steady feet trial", "Other trial") if title in page} == listed
    if not listed:
        assert "You do not lead any trial with randomised participants." in page


@pytest.mark.parametrize("who", ["company", "evaluator"])
def test_other_roles_cannot_list_trials_to_unblind(world, login_as, who):
    assert login_as(getattr(world, who)).get("/randomisation/").status_code == 403
