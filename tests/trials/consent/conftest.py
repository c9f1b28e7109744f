"""Fixtures shared by the consent-version tests; `draft` builds on each module's `trial`."""

from __future__ import annotations

import pytest

from trials.consent.models import ConsentForm
from trials.consent.versions import start_new_version


@pytest.fixture
def draft(session, world, trial) -> ConsentForm:
    draft = start_new_version(session, trial, actor=world.researcher_wfh)
    session.commit()
    return draft


@pytest.fixture
def staff(client, world, login_as):
    return login_as(world.researcher_wfh)
