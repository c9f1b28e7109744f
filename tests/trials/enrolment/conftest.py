"""Fixtures shared by the enrolment page tests."""

from __future__ import annotations

import pytest

from tests import factories
from tests.trials.enrolment.helpers import load_trial
from trials.enrolment.models import Enrolment


@pytest.fixture
def consented(session, world, trial_id) -> Enrolment:
    """A resident (Jo Resident) who consented at WFH, waiting to be randomised."""
    trial = load_trial(session, trial_id)
    enrolment = factories.consent(session, trial, world.participant, "WFH")
    session.commit()
    return enrolment
