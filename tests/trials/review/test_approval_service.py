"""The approve service: defaults for existing callers, and the checks on dates and versions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from livinglab.errors import IllegalTransition, InvalidInput
from tests import factories
from trials.consent.models import ConsentForm, ConsentFormStatus
from trials.proposals.models import Trial
from trials.review.services import approve_trial
from trials.states import TrialStatus

TODAY = dt.date(2030, 6, 1)


def in_review(session, world) -> Trial:
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    factories.rate_checklist_satisfied(session, trial, world.researcher_wfh)
    trial.recruitment_start, trial.recruitment_end = dt.date(2030, 5, 1), dt.date(2031, 4, 30)
    session.commit()
    return factories.reload_trial(session, trial.id)


def draft(session, trial: Trial) -> ConsentForm:
    return session.scalars(select(ConsentForm).where(ConsentForm.trial_id == trial.id)).one()


def approve(session, world, trial: Trial, **kwargs) -> Trial:
    return approve_trial(
        session,
        trial,
        actor=world.researcher_wfh,
        site_targets={world.wfh.id: 10},
        comments="",
        seed=7,
        today=TODAY,
        **kwargs,
    )


def test_without_new_arguments_the_proposals_dates_and_the_draft_are_approved(session, world):
    trial = in_review(session, world)
    form = draft(session, trial)
    approve(session, world, trial)
    assert (trial.recruitment_start, trial.recruitment_end) == (
        dt.date(2030, 5, 1),
        dt.date(2031, 4, 30),
    )
    assert form.status is ConsentFormStatus.APPROVED
    assert trial.status is TrialStatus.APPROVED


def test_new_dates_are_recorded_on_the_trial(session, world):
    trial = in_review(session, world)
    approve(
        session,
        world,
        trial,
        recruitment_start=TODAY,
        recruitment_end=dt.date(2031, 1, 1),
        consent_form_id=draft(session, trial).id,
    )
    assert (trial.recruitment_start, trial.recruitment_end) == (TODAY, dt.date(2031, 1, 1))


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (dt.date(2030, 5, 31), None, "recruitment_start"),
        (None, dt.date(2030, 5, 1), "recruitment_end"),
        (dt.date(2030, 7, 1), dt.date(2030, 6, 30), "recruitment_end"),
    ],
)
def test_bad_dates_are_refused_before_anything_changes(session, world, start, end, field):
    trial = in_review(session, world)
    with pytest.raises(InvalidInput) as refused:
        approve(session, world, trial, recruitment_start=start, recruitment_end=end)
    assert refused.value.field == field
    assert trial.status is TrialStatus.IN_REVIEW
    assert draft(session, trial).status is ConsentFormStatus.DRAFT


def test_another_trials_version_is_refused(session, world):
    trial = in_review(session, world)
    other = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW, title="Other")
    with pytest.raises(InvalidInput) as refused:
        approve(session, world, trial, consent_form_id=draft(session, other).id)
    assert refused.value.field == "consent_form"
    assert draft(session, other).status is ConsentFormStatus.DRAFT
    assert trial.status is TrialStatus.IN_REVIEW


def test_an_incomplete_version_is_refused(session, world):
    trial = in_review(session, world)
    form = draft(session, trial)
    form.information_sheet = "  "
    with pytest.raises(InvalidInput) as refused:
        approve(session, world, trial, consent_form_id=form.id)
    assert refused.value.field == "consent_form"
    assert "Write the information for participants." in refused.value.message


def test_a_trial_not_in_review_is_refused_as_an_illegal_move(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    with pytest.raises(IllegalTransition):
        approve(session, world, trial, consent_form_id=draft(session, trial).id)
    assert draft(session, trial).status is ConsentFormStatus.DRAFT
