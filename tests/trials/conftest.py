"""Fixtures shared by the trial tests."""

from __future__ import annotations

import pytest

from tests import factories
from trials.states import TrialStatus


@pytest.fixture
def trial_id(session, world) -> int:
    """A recruiting trial approved at WFH and DOR (modules may define their own)."""
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    session.commit()
    return trial.id
