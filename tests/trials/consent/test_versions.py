"""New consent-form versions: drafting, editing, approving, telling participants, the guard."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.participants.erasure import delete_account
from tests import factories
from tests.factories import count_rows as count
from tests.trials.consent.version_helpers import (
    MAJOR,
    MINOR,
    NEW_RISK,
    clear_outbox,
    consent_rows,
    new_version,
    outbox,
    reconsent,
    running_trial,
)
from trials.consent import drafts
from trials.consent.models import (
    ComprehensionQuestion,
    Consent,
    ConsentForm,
    ConsentFormStatus,
    ConsentStatement,
    WithdrawalScope,
)
from trials.consent.services import current_consent_form, require_current_consent
from trials.consent.version_queries import (
    count_needing_reconsent,
    count_to_tell,
    query_needing_reconsent,
)
from trials.consent.versions import (
    approve_new_version,
    needs_reconsent,
    start_new_version,
)
from trials.consent.withdrawal import withdraw_from_trial
from trials.states import TrialStatus


def events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def writes(session) -> tuple[int, ...]:
    return tuple(
        count(session, model)
        for model in (ConsentForm, ConsentStatement, ComprehensionQuestion, Consent, AuditEvent)
    )


@pytest.fixture
def trial(session, world):
    return running_trial(session, world)


@pytest.fixture
def draft(session, world, trial) -> ConsentForm:
    draft = start_new_version(session, trial, actor=world.researcher_wfh)
    session.commit()
    return draft


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


# Approving -----------------------------------------------------------------------------


def test_approving_supersedes_the_old_version_and_audits_the_change(session, world, trial):
    first = current_consent_form(session, trial.id)
    second = new_version(session, world, trial, MAJOR, NEW_RISK)
    session.expire_all()
    assert session.get(ConsentForm, first.id).status is ConsentFormStatus.SUPERSEDED
    second = session.get(ConsentForm, second.id)
    assert second.status is ConsentFormStatus.APPROVED
    assert (second.change_kind, second.change_summary) == (MAJOR, NEW_RISK)
    assert second.approved_by_id == world.researcher_wfh.id and second.approved_at
    (event,) = events(session, "consent_form.change_approved")
    assert event.old_value == {"version": 1}
    assert event.new_value["version"] == 2
    assert event.new_value["change_kind"] == "major"
    assert event.new_value["change_summary"] == NEW_RISK
    assert event.actor_id == world.researcher_wfh.id


@pytest.mark.parametrize(
    ("kind", "summary", "field"),
    [
        (None, NEW_RISK, "change_kind"),
        ("huge", NEW_RISK, "change_kind"),
        (MAJOR, "  ", "change_summary"),
        (MAJOR, "x" * 2001, "change_summary"),
    ],
)
def test_approval_needs_a_kind_and_a_summary(session, world, draft, kind, summary, field):
    before = writes(session)
    with pytest.raises(InvalidInput) as error:
        approve_new_version(
            session, draft, actor=world.researcher_wfh, change_kind=kind, change_summary=summary
        )
    assert error.value.field == field
    session.rollback()
    assert writes(session) == before
    assert session.get(ConsentForm, draft.id).status is ConsentFormStatus.DRAFT


def test_a_version_needs_a_required_statement(session, world, draft):
    for statement in [s for s in draft.statements if s.is_required]:
        drafts.remove_item(session, draft, statement, actor=world.researcher_wfh)
    session.commit()
    with pytest.raises(IllegalTransition, match="at least one statement participants must agree"):
        approve_new_version(
            session, draft, actor=world.researcher_wfh, change_kind=MINOR, change_summary="x"
        )


def test_a_company_cannot_approve_a_version(session, world, draft):
    with pytest.raises(NotPermitted):
        approve_new_version(
            session, draft, actor=world.company, change_kind=MINOR, change_summary="x"
        )


# Telling participants ------------------------------------------------------------------


@pytest.fixture
def people(session, world, trial):
    """Jo consented; Sam consented then withdrew; Kim never joined; Lee deleted the account."""
    sam = factories.make_participant(session, full_name="Sam Stopped")
    kim = factories.make_participant(session, full_name="Kim Never")
    lee = factories.make_participant(session, full_name="Lee Gone")
    for participant in (world.participant, sam, lee):
        factories.consent(session, trial, participant)
    withdraw_from_trial(
        session, participant=sam, trial=trial, scope=WithdrawalScope.STOP_TAKING_PART
    )
    delete_account(session, lee)
    session.commit()
    clear_outbox(session)
    return {"jo": world.participant, "sam": sam, "kim": kim, "lee": lee}


def test_a_minor_change_tells_current_participants_there_is_nothing_to_do(
    session, world, trial, people
):
    assert count_to_tell(session, trial.id) == 2  # Jo and Lee; Lee's account is closed
    new_version(session, world, trial, MINOR, "We fixed a typo.")
    messages = outbox(session)
    assert list(messages) == [people["jo"].user.email]
    body = messages[people["jo"].user.email].body_text
    assert "nothing you need to do" in body and "We fixed a typo." in body
    assert "/reconsent" not in body
    (event,) = events(session, "consent_form.change_approved")
    assert event.new_value["participants_told"] == 1
    assert event.new_value["participants_to_reconsent"] == 0


def test_a_major_change_asks_current_participants_to_agree_again(session, world, trial, people):
    new_version(session, world, trial, MAJOR, NEW_RISK)
    messages = outbox(session)
    assert list(messages) == [people["jo"].user.email]
    message = messages[people["jo"].user.email]
    assert "Please read and agree again" in message.subject
    assert "agree again before your next study activity" in message.body_text
    assert f"/my-trials/{trial.id}/reconsent" in message.body_text
    assert NEW_RISK in message.body_text


def test_participants_who_already_agreed_to_the_new_version_are_not_told(session, world, trial):
    new_version(session, world, trial, MAJOR)
    late = factories.make_participant(session, full_name="Ali Late")
    factories.consent(session, trial, late)  # signs version 2 directly
    session.commit()
    clear_outbox(session)
    new_version(session, world, trial, MINOR, "New phone number.")
    assert set(outbox(session)) == {late.user.email}


# Who must re-consent, and the guard ----------------------------------------------------


def test_a_minor_change_blocks_nothing(session, world, trial):
    factories.consent(session, trial, world.participant)
    session.commit()
    new_version(session, world, trial, MINOR, "Typo.")
    assert needs_reconsent(session, world.participant.id, trial.id) is None
    assert require_current_consent(session, world.participant.id, trial.id).kind.value == "consent"
    assert count_needing_reconsent(session, trial.id) == 0


def test_a_major_change_blocks_until_the_participant_re_consents(session, world, trial):
    enrolment = factories.consent(session, trial, world.participant)
    session.commit()
    second = new_version(session, world, trial, MAJOR)
    assert needs_reconsent(session, world.participant.id, trial.id).id == second.id
    with pytest.raises(NotPermitted, match="must re-consent"):
        require_current_consent(session, world.participant.id, trial.id)
    assert [e.id for e in session.scalars(query_needing_reconsent(trial.id))] == [enrolment.id]
    reconsent(session, trial, world.participant)
    assert needs_reconsent(session, world.participant.id, trial.id) is None
    assert (
        require_current_consent(session, world.participant.id, trial.id).consent_form_id
        == second.id
    )
    assert count_needing_reconsent(session, trial.id) == 0


def test_a_minor_change_after_a_major_one_still_needs_re_consent(session, world, trial):
    factories.consent(session, trial, world.participant)
    session.commit()
    new_version(session, world, trial, MAJOR)
    clear_outbox(session)
    third = new_version(session, world, trial, MINOR, "Typo.")
    assert needs_reconsent(session, world.participant.id, trial.id).id == third.id
    with pytest.raises(NotPermitted):
        require_current_consent(session, world.participant.id, trial.id)
    # Still told to agree again: the minor change does not cancel the major one.
    (message,) = outbox(session).values()
    assert "/reconsent" in message.body_text


def test_the_re_consent_list_counts_in_sql_only_those_who_must_agree_again(session, world, trial):
    others = [factories.make_participant(session, full_name=f"P {n}") for n in range(3)]
    enrolments = [factories.consent(session, trial, p, "DOR") for p in others]
    session.commit()
    new_version(session, world, trial, MAJOR)
    withdraw_from_trial(
        session, participant=others[0], trial=trial, scope=WithdrawalScope.STOP_TAKING_PART
    )
    session.commit()
    reconsent(session, trial, others[1])
    late = factories.make_participant(session, full_name="Late")
    factories.consent(session, trial, late)
    session.commit()
    assert [e.id for e in session.scalars(query_needing_reconsent(trial.id))] == [enrolments[2].id]
    assert count_needing_reconsent(session, trial.id) == 1


def test_consent_records_are_only_ever_added(session, world, trial):
    factories.consent(session, trial, world.participant)
    session.commit()
    before = consent_rows(session)
    new_version(session, world, trial, MAJOR)
    reconsent(session, trial, world.participant)
    after = consent_rows(session)
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1
    assert session.scalar(select(func.count()).select_from(Consent)) == 2
