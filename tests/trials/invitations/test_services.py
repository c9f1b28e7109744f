"""Inviting volunteers (checked again in SQL, refused whole) and the volunteer's answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.errors import IllegalTransition, InvalidInput, NotFound, NotPermitted
from livinglab.mail.models import OutboxMessage
from tests import factories
from tests.trials.invitations.helpers import add_volunteer, audit, enrol, invite, loaded
from trials.eligibility.models import EligibilityCriteria
from trials.eligibility.services import register_interest
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.invitations import services
from trials.invitations.models import Invitation, InvitationStatus
from trials.review.services import close_recruitment
from trials.states import TrialStatus


@pytest.fixture
def trial(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()
    return trial


@pytest.fixture
def other_trial(session, world):
    trial = factories.make_trial(
        session, world, status=TrialStatus.RECRUITING, sites=("WFH",), title="Another trial"
    )
    session.commit()
    return trial


def invitations(session) -> list[Invitation]:
    return list(session.scalars(select(Invitation).order_by(Invitation.id)))


# Inviting --------------------------------------------------------------------------------


def test_each_volunteer_gets_an_invitation_an_audit_event_and_an_email(session, world, trial):
    people = [add_volunteer(session), add_volunteer(session)]
    sent = invite(session, world, trial, people)
    assert [i.participant_id for i in sent] == [p.id for p in people]
    for invitation in sent:
        assert invitation.status is InvitationStatus.INVITED
        assert invitation.site_id == world.wfh.id
        assert invitation.invited_by_id == world.researcher_wfh.id
        assert invitation.override_reason is None
    events = audit(session, "invitation.sent")
    assert sorted(e.object_id for e in events) == sorted(i.id for i in sent)
    assert {e.actor_id for e in events} == {world.researcher_wfh.id}
    assert {e.trial_id for e in events} == {trial.id}
    mails = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [m.to_address for m in mails[-2:]] == [p.user.email for p in people]
    body = mails[-1].body_text
    assert f"Dear {people[1].user.full_name}" in body
    assert "Wessex Fields" in body or world.wfh.name in body
    assert "/my-trials/invitations" in body
    assert trial.title not in body and trial.title not in mails[-1].subject


def test_the_batch_is_written_in_the_same_number_of_queries_for_2_or_20(
    session, world, trial, count_queries
):
    sent = []
    for size in (2, 20):
        ids = [add_volunteer(session).id for _ in range(size)]
        session.commit()
        loaded_trial = loaded(session, trial.id)
        actor = session.get(type(world.researcher_wfh), world.researcher_wfh.id)
        actor.site_ids  # noqa: B018 - loaded before counting, as the signed-in user is
        with count_queries() as statements:
            services.invite(
                session,
                trial=loaded_trial,
                participant_ids=ids,
                site_id=world.wfh.id,
                actor=actor,
            )
        sent.append(len(statements))
    assert sent[0] == sent[1]
    assert sent[0] == 5  # a check, the invitations inserted and read back, events, emails


@pytest.mark.parametrize("who", ["opted out", "ineligible", "unknown", "invited already"])
def test_a_batch_with_anyone_who_cannot_be_invited_is_refused_whole(session, world, trial, who):
    fine = add_volunteer(session)
    session.add(EligibilityCriteria(trial_id=trial.id, max_age=65))
    bad = {
        "opted out": lambda: add_volunteer(session, opted_in=False),
        "ineligible": lambda: add_volunteer(session, age=80),
        "unknown": lambda: type("Nobody", (), {"id": 999_999})(),
        "invited already": lambda: invite(session, world, trial, [add_volunteer(session)])[0],
    }[who]()
    bad_id = getattr(bad, "participant_id", bad.id)
    before = len(invitations(session))
    with pytest.raises(InvalidInput) as refused:
        services.invite(
            session,
            trial=loaded(session, trial.id),
            participant_ids=[fine.id, bad_id],
            site_id=world.wfh.id,
            actor=world.researcher_wfh,
        )
    assert refused.value.field == "participant_ids"
    assert f"R-{bad_id:06d}" in refused.value.message
    assert f"R-{fine.id:06d}" not in refused.value.message
    assert len(invitations(session)) == before


def test_someone_enrolled_in_this_trial_cannot_be_invited(session, world, trial):
    person = add_volunteer(session)
    enrol(session, trial, person, EnrolmentStatus.INTERESTED)
    with pytest.raises(InvalidInput, match="cannot be invited"):
        invite(session, world, trial, [person])


def test_the_site_must_be_the_researchers_own_and_approved(session, world, trial):
    with pytest.raises(InvalidInput) as refused:
        invite(session, world, trial, [add_volunteer(session)], site_id=world.dor.id)
    assert refused.value.field == "site_id"


def test_staff_at_another_site_cannot_invite(session, world, trial):
    with pytest.raises(NotPermitted):
        invite(session, world, trial, [add_volunteer(session)], actor=world.researcher_dor)


def test_nothing_selected_is_refused(session, world, trial):
    with pytest.raises(InvalidInput, match="Select at least one volunteer"):
        invite(session, world, trial, [])


def test_invitations_go_out_only_while_recruiting(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.APPROVED, sites=("WFH",))
    with pytest.raises(IllegalTransition, match="only while the trial is recruiting"):
        invite(session, world, trial, [add_volunteer(session)])


# Held by another trial -------------------------------------------------------------------


@pytest.mark.parametrize(
    "hold",
    ["invited", "interested", "randomised"],
)
def test_someone_held_by_another_trial_needs_a_reason(session, world, trial, other_trial, hold):
    held, free = add_volunteer(session), add_volunteer(session)
    if hold == "invited":
        invite(session, world, other_trial, [held])
    else:
        enrol(session, other_trial, held, EnrolmentStatus(hold))
    with pytest.raises(InvalidInput) as refused:
        invite(session, world, trial, [held, free])
    assert refused.value.field == "override_reason"
    assert f"R-{held.id:06d}" in refused.value.message
    assert f"R-{free.id:06d}" not in refused.value.message

    sent = invite(session, world, trial, [held, free], override_reason=" Different condition. ")
    reasons = {i.participant_id: i.override_reason for i in sent}
    assert reasons == {held.id: "Different condition.", free.id: None}
    events = {e.new_value["participant_id"]: e for e in audit(session, "invitation.sent")}
    assert events[held.id].reason == "Different condition."
    assert events[held.id].new_value["held_elsewhere"] is True
    assert events[free.id].reason is None


@pytest.mark.parametrize("status", [EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN])
def test_a_finished_enrolment_elsewhere_does_not_hold(session, world, trial, other_trial, status):
    person = add_volunteer(session)
    enrol(session, other_trial, person, status)
    assert len(invite(session, world, trial, [person])) == 1


def test_a_declined_invitation_elsewhere_does_not_hold(session, world, trial, other_trial):
    person = add_volunteer(session)
    [elsewhere] = invite(session, world, other_trial, [person])
    elsewhere.status = InvitationStatus.DECLINED
    assert len(invite(session, world, trial, [person])) == 1


# Answering -------------------------------------------------------------------------------


def test_interested_registers_interest_at_the_inviting_site(session, world, trial):
    person = world.participant
    [invitation] = invite(session, world, trial, [person])
    enrolment = services.accept(
        session, invitation, participant=person, trial=loaded(session, trial.id)
    )
    assert enrolment.status is EnrolmentStatus.INTERESTED
    assert enrolment.site_id == world.wfh.id
    invitation = session.get(Invitation, invitation.id)
    assert invitation.status is InvitationStatus.INTERESTED
    assert invitation.responded_at is not None
    [event] = audit(session, "invitation.interested")
    assert event.actor_id == person.user_id
    assert event.new_value == {
        "status": "interested",
        "enrolment_id": enrolment.id,
        "through": "invitation",
    }
    assert len(audit(session, "enrolment.interest_registered")) == 1


def test_interest_registered_through_the_finder_answers_the_invitation(session, world, trial):
    person = world.participant
    [invitation] = invite(session, world, trial, [person])

    own = register_interest(session, participant=person, trial=trial, site_id=world.wfh.id)

    invitation = session.get(Invitation, invitation.id)
    assert invitation.status is InvitationStatus.INTERESTED
    [event] = audit(session, "invitation.interested")
    assert event.new_value["through"] == "trial finder"
    assert event.new_value["enrolment_id"] == own.id
    with pytest.raises(IllegalTransition, match="already answered"):
        services.accept(session, invitation, participant=person, trial=trial)
    count = session.scalars(select(Enrolment).where(Enrolment.trial_id == trial.id)).all()
    assert len(count) == 1


def test_closing_recruitment_closes_the_invitations_still_waiting(session, world, trial):
    waiting, declining = add_volunteer(session), add_volunteer(session)
    sent = invite(session, world, trial, [waiting, declining])
    services.decline(session, sent[1], participant=declining)

    close_recruitment(session, loaded(session, trial.id), actor=world.researcher_wfh)

    session.expire_all()
    assert [i.status for i in invitations(session)] == [
        InvitationStatus.CLOSED,
        InvitationStatus.DECLINED,
    ]
    [event] = audit(session, "invitations.closed")
    assert event.new_value == {"status": "closed", "invitations": 1}
    assert event.reason == "Recruitment closed"


def test_no_thanks_is_recorded(session, world, trial):
    person = world.participant
    [invitation] = invite(session, world, trial, [person])
    services.decline(session, invitation, participant=person)
    assert invitation.status is InvitationStatus.DECLINED
    assert invitation.responded_at is not None
    [event] = audit(session, "invitation.declined")
    assert (event.old_value, event.new_value) == ({"status": "invited"}, {"status": "declined"})
    assert session.scalars(select(Enrolment).where(Enrolment.trial_id == trial.id)).all() == []


def test_an_invitation_is_answered_once(session, world, trial):
    person = world.participant
    [invitation] = invite(session, world, trial, [person])
    services.decline(session, invitation, participant=person)
    with pytest.raises(IllegalTransition, match="already answered"):
        services.accept(session, invitation, participant=person, trial=trial)


def test_only_the_invited_person_may_answer(session, world, trial):
    [invitation] = invite(session, world, trial, [add_volunteer(session)])
    with pytest.raises(NotFound):
        services.decline(session, invitation, participant=world.participant)
    assert invitation.status is InvitationStatus.INVITED
