"""Shared set-up for the adverse event tests."""

from __future__ import annotations

import datetime as dt

from tests import factories
from tests.factories import reload_trial as load_trial
from trials.enrolment.models import Enrolment
from trials.safety.models import Outcome, Relatedness, SeriousCriterion, Severity
from trials.safety.services import AdverseEventDraft

PARTICIPANT_NAME = "Margaret Quill"


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def enrol(session, world, trial_id: int, site: str = "WFH", name: str = "Resident") -> Enrolment:
    trial = load_trial(session, trial_id)
    participant = factories.make_participant(session, full_name=name)
    enrolment = factories.consent(session, trial, participant, site)
    session.commit()
    return enrolment


def draft(**changes) -> AdverseEventDraft:
    values = {
        "description": "Fell in the kitchen and bruised a hip.",
        "is_serious": False,
        "serious_criterion": None,
        "severity": Severity.MODERATE,
        "relatedness": Relatedness.POSSIBLE,
        "outcome": Outcome.RECOVERING,
        "onset_on": today(),
        "resolved_on": None,
    }
    values.update(changes)
    return AdverseEventDraft(**values)


def serious(**changes) -> AdverseEventDraft:
    return draft(is_serious=True, serious_criterion=SeriousCriterion.HOSPITALISATION, **changes)


def form_data(**changes: str) -> dict[str, str]:
    """What a researcher types into the report form: a valid, non-serious event today."""
    day = today()
    data = {
        "description": "Fell in the kitchen and bruised a hip.",
        "is_serious": "no",
        "severity": "moderate",
        "relatedness": "possible",
        "outcome": "recovering",
        "onset_on[day]": str(day.day),
        "onset_on[month]": str(day.month),
        "onset_on[year]": str(day.year),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
