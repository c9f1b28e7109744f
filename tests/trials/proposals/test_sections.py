"""The step services without HTTP: what each design, schedule and measure set must satisfy."""

from __future__ import annotations

import pytest

from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from tests import factories
from trials.proposals import sections
from trials.proposals.checklist import missing_for_submission
from trials.proposals.models import MeasureType, TrialDesign
from trials.proposals.section_rules import ArmDraft, DesignDraft, MeasureDraft, VisitDraft
from trials.states import TrialStatus

PARALLEL = TrialDesign.PARALLEL_RCT


def arms(*names: str, control: int | None = 0, ratios: tuple[int, ...] = ()) -> tuple:
    return tuple(
        ArmDraft(name, ratios[i] if ratios else 1, i == control) for i, name in enumerate(names)
    )


@pytest.fixture
def trial(session, world):
    return factories.reload_trial(session, factories.make_trial(session, world).id)


@pytest.mark.parametrize(
    ("draft", "field", "message"),
    [
        (DesignDraft(PARALLEL, arms("A")), "arms", "A parallel trial needs 2 to 4 arms"),
        (DesignDraft(PARALLEL, arms(*"ABCDE")), "arms", "A parallel trial needs 2 to 4 arms"),
        (
            DesignDraft(PARALLEL, (ArmDraft("A", 1, True), ArmDraft("B", 1, True))),
            "arms-1-is_control",
            "Only one arm can be the control arm",
        ),
        (DesignDraft(PARALLEL, arms("A", "B", control=None)), "arms", "Mark one arm"),
        (DesignDraft(PARALLEL, arms("A", "B", ratios=(0, 1))), "arms-0-ratio", "from 1 to 5"),
        (DesignDraft(PARALLEL, arms("A", "B", ratios=(1, 6))), "arms-1-ratio", "from 1 to 5"),
        (
            DesignDraft(TrialDesign.CROSSOVER, arms("A", "B")),
            "washout_days",
            "Enter a washout of 1 day or more",
        ),
        (
            DesignDraft(TrialDesign.SINGLE_ARM, arms("A")),
            "arms-0-is_control",
            "A single-arm trial has no control arm",
        ),
        (
            DesignDraft(TrialDesign.SINGLE_ARM, arms("A", "B", control=None)),
            "arms",
            "A single-arm trial has exactly one arm",
        ),
    ],
)
def test_bad_designs_are_refused_with_the_field(session, world, trial, draft, field, message):
    with pytest.raises(InvalidInput) as refused:
        sections.save_design(session, trial, actor=world.company, draft=draft)
    assert refused.value.field == field
    assert message in refused.value.message


def test_a_two_to_one_design_is_saved_and_audited(session, world, trial):
    draft = DesignDraft(PARALLEL, arms("Usual care", "Product", ratios=(1, 2)))
    sections.save_design(session, trial, actor=world.company, draft=draft)
    assert [(a.name, a.ratio) for a in trial.arms] == [("Usual care", 1), ("Product", 2)]


def test_visits_and_measures_are_checked(session, world, trial):
    bad = (VisitDraft("Baseline", 0), VisitDraft("Week 12", 84, 61))
    with pytest.raises(InvalidInput, match="between 0 and 60"):
        sections.save_visits(session, trial, actor=world.company, draft=bad)
    measure = MeasureDraft("Steps", "steps", MeasureType.COUNT, 0, 100000, is_primary=True)
    other = factories.reload_trial(
        session, factories.make_trial(session, world, company=world.other_company).id
    )
    theirs = MeasureDraft(**{**measure.__dict__, "visit_ids": (other.visits[1].id,)})
    with pytest.raises(InvalidInput) as refused:
        sections.save_measures(session, trial, actor=world.company, draft=(theirs,))
    assert refused.value.field == "measures-0-visit_ids"
    sections.save_measures(session, trial, actor=world.company, draft=(measure,))
    assert trial.primary_measure.name == "Steps"


def test_the_checklist_names_what_each_design_needs(session, world, trial):
    today = trial.created_at.date()
    draft = DesignDraft(TrialDesign.SINGLE_ARM, arms("Product", control=None))
    sections.save_design(session, trial, actor=world.company, draft=draft)
    sections.save_visits(session, trial, actor=world.company, draft=(VisitDraft("Baseline", 0),))
    missing = missing_for_submission(trial, today)
    assert "Plan a baseline visit and at least one later visit" in missing
    trial.arms[0].is_control = True  # written past the service, as old data might be
    assert "Fix the design: a single-arm trial has no control arm: untick it" in (
        missing_for_submission(trial, today)
    )
    trial.measures[0].is_primary = False
    assert "Mark a primary outcome" in missing_for_submission(trial, today)


def test_only_the_proposers_may_edit_and_only_a_draft(session, world, trial):
    draft = DesignDraft(PARALLEL, arms("A", "B"))
    with pytest.raises(NotPermitted):
        sections.save_design(session, trial, actor=world.other_company, draft=draft)
    trial.status = TrialStatus.SUBMITTED
    with pytest.raises(IllegalTransition):
        sections.save_design(session, trial, actor=world.company, draft=draft)
