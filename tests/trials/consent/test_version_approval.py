"""Approving a new consent-form version, telling participants, and the re-consent guard."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.participants.erasure import delete_account
from tests import factories
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
from tests.trials.consent.version_service_helpers import events, writes
from trials.consent import drafts
from trials.consent.models import Consent, ConsentForm, ConsentFormStatus, WithdrawalScope
from trials.consent.services import (
    current_consent_form,
    latest_consent,
    require_current_consent,
)
from trials.consent.version_queries import (
    count_needing_reconsent,
    count_to_tell,
    query_needing_reconsent,
)
from trials.consent.versions import approve_new_version, needs_reconsent
from trials.consent.withdrawal import withdraw_from_trial


@pytest.fixture
def trial(session, world):
    return running_trial(session, world)


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
    require_current_consent(session, world.participant.id, trial.id)  # passes: no exception
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
    require_current_consent(session, world.participant.id, trial.id)  # passes now
    assert latest_consent(session, world.participant.id, trial.id).consent_form_id == second.id
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
