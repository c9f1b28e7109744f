"""Starting and editing a new consent-form version, through the services."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from tests import factories
from tests.factories import count_rows as count
from tests.trials.consent.version_helpers import MINOR, new_version, running_trial
from tests.trials.consent.version_service_helpers import events, writes
from trials.consent import drafts
from trials.consent.models import ConsentForm, ConsentFormStatus
from trials.consent.services import current_consent_form
from trials.consent.versions import approve_new_version, start_new_version
from trials.states import TrialStatus


@pytest.fixture
def trial(session, world):
    return running_trial(session, world)


# Starting a new version ----------------------------------------------------------------


def test_a_new_version_is_a_draft_copy_of_the_approved_one(session, world, trial):
    current = current_consent_form(session, trial.id)
    draft = start_new_version(session, trial, actor=world.researcher_wfh)
    session.commit()
    assert (draft.version, draft.status) == (2, ConsentFormStatus.DRAFT)
    assert draft.information_sheet == current.information_sheet
    assert [(s.text, s.is_required) for s in draft.statements] == [
        (s.text, s.is_required) for s in current.statements
    ]
    assert [(q.text, q.options, q.correct_option) for q in draft.questions] == [
        (q.text, q.options, q.correct_option) for q in current.questions
    ]
    assert {s.id for s in draft.statements}.isdisjoint(s.id for s in current.statements)
    assert current_consent_form(session, trial.id).id == current.id  # still version 1
    (event,) = events(session, "consent_form.drafted")
    assert event.new_value == {"version": 2, "copied_from_version": 1}


def test_only_one_draft_at_a_time(session, world, trial, draft):
    before = writes(session)
    trial = factories.reload_trial(session, trial.id)
    with pytest.raises(IllegalTransition, match="Version 2 is already being drafted"):
        start_new_version(session, trial, actor=world.researcher_wfh)
    session.rollback()
    assert writes(session) == before


def test_no_new_version_before_the_trial_and_its_first_version_are_approved(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    session.commit()
    trial = factories.reload_trial(session, trial.id)
    with pytest.raises(IllegalTransition):
        start_new_version(session, trial, actor=world.researcher_wfh)


@pytest.mark.parametrize("who", ["researcher_dor", "company", "admin", "evaluator"])
def test_only_staff_at_the_trials_sites_start_a_version(session, world, who):
    trial = running_trial(session, world, sites=("WFH",))
    with pytest.raises(NotPermitted):
        start_new_version(session, trial, actor=getattr(world, who))
    session.rollback()
    assert count(session, ConsentForm) == 1


# Editing the draft ---------------------------------------------------------------------


def test_the_draft_is_edited_and_every_change_is_audited(session, world, draft):
    staff = world.researcher_wfh
    drafts.update_information_sheet(session, draft, actor=staff, text="  New words.\r\n\r\nMore. ")
    added = drafts.add_statement(
        session, draft, actor=staff, text="I agree to a blood test.", is_required=True
    )
    first = draft.statements[0]
    drafts.edit_statement(
        session, draft, first, actor=staff, text="I have read it.", is_required=False
    )
    drafts.move_item(session, draft, added, actor=staff, direction="up")
    drafts.remove_item(session, draft, draft.statements[1], actor=staff)
    question = drafts.add_question(
        session,
        draft,
        actor=staff,
        text="Is there a blood test?",
        options=["Yes", " No ", ""],
        correct_option=0,
        explanation="There is one blood test at follow-up.",
    )
    drafts.edit_question(
        session,
        draft,
        question,
        actor=staff,
        text="Is there a blood test?",
        options=["No", "Yes"],
        correct_option=1,
        explanation="There is one.",
    )
    drafts.move_item(session, draft, question, actor=staff, direction="down")  # already last
    session.commit()
    session.expire_all()
    draft = session.get(ConsentForm, draft.id)
    assert draft.information_sheet == "New words.\n\nMore."
    texts = [s.text for s in draft.statements]
    assert len(texts) == 7  # seven copied, one added, one removed
    assert texts[0] == "I have read it." and texts[-2] == "I agree to a blood test."
    assert [s.position for s in draft.statements] == list(range(1, len(texts) + 1))
    assert draft.statements[0].is_required is False
    last = draft.questions[-1]
    assert (last.options, last.correct_option, last.explanation) == (
        ["No", "Yes"],
        1,
        "There is one.",
    )
    actions = {e.action for e in session.scalars(select(AuditEvent))}
    assert {
        "consent_form.information_changed",
        "consent_form.statement_added",
        "consent_form.statement_changed",
        "consent_form.statements_reordered",
        "consent_form.statement_removed",
        "consent_form.question_added",
        "consent_form.question_changed",
    } <= actions
    (changed,) = events(session, "consent_form.statement_changed")
    assert changed.old_value["is_required"] is True and changed.new_value["is_required"] is False


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda s, f, a: drafts.update_information_sheet(s, f, actor=a, text="   "),
            "information_sheet",
        ),
        (lambda s, f, a: drafts.add_statement(s, f, actor=a, text=" ", is_required=True), "text"),
        (
            lambda s, f, a: drafts.add_statement(s, f, actor=a, text="x" * 1001, is_required=True),
            "text",
        ),
        (lambda s, f, a: question(s, f, a, options=["Only one"]), "options"),
        (lambda s, f, a: question(s, f, a, options=list("abcdef")), "options"),
        (lambda s, f, a: question(s, f, a, options=["Yes", "yes"]), "options"),
        (lambda s, f, a: question(s, f, a, correct_option=2), "correct_option"),
        (lambda s, f, a: question(s, f, a, correct_option=None), "correct_option"),
        (lambda s, f, a: question(s, f, a, text=""), "text"),
        (lambda s, f, a: question(s, f, a, explanation=" "), "explanation"),
        (
            lambda s, f, a: drafts.move_item(s, f, f.statements[0], actor=a, direction="left"),
            "direction",
        ),
    ],
)
def test_bad_edits_are_refused_on_the_field_and_nothing_changes(session, world, draft, call, field):
    before = writes(session)
    with pytest.raises(InvalidInput) as error:
        call(session, draft, world.researcher_wfh)
    assert error.value.field == field
    session.rollback()
    assert writes(session) == before


def question(session, form, actor, **changes):
    values = {
        "text": "Is there a blood test?",
        "options": ["Yes", "No"],
        "correct_option": 0,
        "explanation": "There is one.",
    } | changes
    return drafts.add_question(session, form, actor=actor, **values)


def test_approved_and_superseded_versions_are_never_edited(session, world, trial):
    first = current_consent_form(session, trial.id)
    second = new_version(session, world, trial, MINOR, "Typo fixed.")
    staff = world.researcher_wfh
    before = writes(session)
    for form, status in ((first, "superseded"), (second, "approved")):
        for change in (
            lambda f: drafts.update_information_sheet(session, f, actor=staff, text="Changed"),
            lambda f: drafts.add_statement(session, f, actor=staff, text="New", is_required=True),
            lambda f: drafts.remove_item(session, f, f.statements[0], actor=staff),
            lambda f: drafts.move_item(session, f, f.questions[1], actor=staff, direction="up"),
            lambda f: approve_new_version(
                session, f, actor=staff, change_kind=MINOR, change_summary="x"
            ),
        ):
            with pytest.raises(
                IllegalTransition, match=f"is {status} and can no longer be changed"
            ):
                change(form)
            session.rollback()
    assert writes(session) == before


def test_researchers_at_other_sites_cannot_edit(session, world):
    trial = running_trial(session, world, sites=("WFH",))
    draft = start_new_version(session, trial, actor=world.researcher_wfh)
    session.commit()
    with pytest.raises(NotPermitted):
        drafts.add_statement(session, draft, actor=world.researcher_dor, text="x", is_required=True)
