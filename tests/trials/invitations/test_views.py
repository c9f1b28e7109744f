"""Inviting from the screening page, staff's invitations list, and the volunteer's answers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from tests.pages import text_of
from tests.trials.invitations.helpers import add_volunteer, audit, enrol, invite
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.invitations.models import Invitation, InvitationStatus
from trials.states import TrialStatus


@pytest.fixture
def trial(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()
    return trial


def screening_url(trial) -> str:
    return f"/enrolment/trials/{trial.id}/screening"


def list_url(trial) -> str:
    return f"/enrolment/trials/{trial.id}/invitations"


def invitations(session) -> list[Invitation]:
    session.expire_all()
    return list(session.scalars(select(Invitation).order_by(Invitation.id)))


# Staff: the screening page ---------------------------------------------------------------


def test_staff_tick_volunteers_and_invite_them(client, session, world, login_as, trial):
    people = [add_volunteer(session), add_volunteer(session)]
    session.commit()
    login_as(world.researcher_wfh)
    html = client.get(screening_url(trial)).get_data(as_text=True)
    for person in people:
        assert f'name="participant_ids" type="checkbox" value="{person.id}"' in html
    response = client.post(
        screening_url(trial),
        data={"participant_ids": [p.id for p in people], "site_id": world.wfh.id},
    )
    assert response.status_code == 302
    assert [i.participant_id for i in invitations(session)] == [p.id for p in people]
    page = text_of(client.get(screening_url(trial)))
    assert "2 volunteers invited and emailed." in page
    assert f"R-{people[0].id:06d} 40 to 49 BH8 Invited (this trial)" in page
    assert "Waiting for an answer 2 Interested 0 Declined 0" in page


def test_the_list_says_who_another_trial_holds_without_naming_it(
    client, session, world, login_as, trial
):
    other = factories.make_trial(session, world, status=TrialStatus.RECRUITING, title="Secret")
    invited, taking_part = add_volunteer(session), add_volunteer(session)
    invite(session, world, other, [invited])
    enrol(session, other, taking_part, EnrolmentStatus.RANDOMISED)
    session.commit()
    login_as(world.researcher_wfh)
    page = text_of(client.get(screening_url(trial)))
    assert f"R-{invited.id:06d} 40 to 49 BH8 Invited to another trial" in page
    assert f"R-{taking_part.id:06d} 40 to 49 BH8 Taking part in another trial" in page
    assert "Secret" not in page


def test_posted_ids_that_cannot_be_invited_refuse_the_batch(
    client, session, world, login_as, trial
):
    fine, opted_out = add_volunteer(session), add_volunteer(session, opted_in=False)
    session.commit()
    login_as(world.researcher_wfh)
    response = client.post(
        screening_url(trial),
        data={"participant_ids": [fine.id, opted_out.id], "site_id": world.wfh.id},
    )
    assert response.status_code == 422
    page = text_of(response)
    assert f"Nothing was sent: R-{opted_out.id:06d} cannot be invited" in page
    assert invitations(session) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select at least one volunteer to invite"),
        ({"participant_ids": "abc"}, "could not be coerced"),
    ],
)
def test_bad_selections_are_refused(client, session, world, login_as, trial, data, message):
    login_as(world.researcher_wfh)
    response = client.post(screening_url(trial), data={"site_id": world.wfh.id, **data})
    assert response.status_code == 422
    assert message in text_of(response)


def test_inviting_someone_held_elsewhere_asks_for_a_reason(client, session, world, login_as, trial):
    other = factories.make_trial(session, world, status=TrialStatus.RECRUITING, title="Other")
    person = add_volunteer(session)
    invite(session, world, other, [person])
    session.commit()
    login_as(world.researcher_wfh)
    data = {"participant_ids": [person.id], "site_id": world.wfh.id}
    response = client.post(screening_url(trial), data=data)
    assert response.status_code == 422
    assert "Give a reason to invite them anyway" in text_of(response).replace("give", "Give")
    response = client.post(screening_url(trial), data={**data, "override_reason": "Agreed."})
    assert response.status_code == 302
    assert [i.override_reason for i in invitations(session) if i.trial_id == trial.id] == [
        "Agreed."
    ]


def test_another_site_cannot_be_chosen(client, session, world, login_as):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    person = add_volunteer(session)
    session.commit()
    login_as(world.researcher_wfh)
    response = client.post(
        screening_url(trial), data={"participant_ids": [person.id], "site_id": world.dor.id}
    )
    assert response.status_code == 422
    assert invitations(session) == []


def test_an_approved_trial_is_screened_but_not_invited_from(client, session, world, login_as):
    trial = factories.make_trial(session, world, status=TrialStatus.APPROVED, sites=("WFH",))
    add_volunteer(session)
    session.commit()
    login_as(world.researcher_wfh)
    html = client.get(screening_url(trial)).get_data(as_text=True)
    assert 'name="participant_ids"' not in html


@pytest.mark.parametrize(
    ("who", "status"), [("researcher_dor", 404), ("company", 403), ("evaluator", 403)]
)
def test_only_the_trials_staff_may_invite(client, session, world, login_as, trial, who, status):
    person = add_volunteer(session)
    session.commit()
    login_as(getattr(world, who))
    data = {"participant_ids": [person.id], "site_id": world.wfh.id}
    assert client.post(screening_url(trial), data=data).status_code == status
    assert client.get(list_url(trial)).status_code == status
    assert invitations(session) == []


# Staff: the invitations list -------------------------------------------------------------


def test_the_list_is_filtered_by_answer_and_paginated(app, client, session, world, login_as, trial):
    app.config["PAGE_SIZE"] = 2
    people = [add_volunteer(session) for _ in range(3)]
    sent = invite(session, world, trial, people)
    sent[0].status = InvitationStatus.DECLINED
    session.commit()
    login_as(world.researcher_wfh)
    everything = text_of(client.get(list_url(trial)))
    assert "3 invitations" in everything
    declined = text_of(client.get(list_url(trial) + "?status=declined"))
    assert "1 invitation " in declined
    assert f"R-{people[0].id:06d}" in declined
    assert f"R-{people[1].id:06d}" not in declined
    assert client.get(list_url(trial) + "?status=nonsense").status_code == 200
    assert client.get(list_url(trial) + "?page=3").status_code == 404


def test_the_list_sends_the_same_number_of_queries_for_2_or_20(
    app, client, session, world, login_as, trial, count_queries
):
    app.config["PAGE_SIZE"] = 50
    login_as(world.researcher_wfh)
    sent = []
    for size in (2, 18):
        invite(session, world, trial, [add_volunteer(session) for _ in range(size)])
        session.commit()
        with count_queries() as statements:
            assert client.get(list_url(trial)).status_code == 200
        sent.append(len(statements))
    assert sent[0] == sent[1]


# The volunteer ---------------------------------------------------------------------------


def invited(session, world, trial) -> Invitation:
    [invitation] = invite(session, world, trial, [world.participant])
    session.commit()
    return invitation


def test_the_volunteer_says_interested(client, session, world, login_as, trial):
    invitation = invited(session, world, trial)
    login_as(world.participant.user)
    assert "Invitations to trials" in text_of(client.get("/my-trials/"))
    page = text_of(client.get("/my-trials/invitations"))
    assert f"{trial.title} Invited by The research team at {world.wfh.name}" in page
    assert "Waiting for your answer" in page
    response = client.post(f"/my-trials/invitations/{invitation.id}/interested")
    assert response.status_code == 302
    assert invitations(session)[0].status is InvitationStatus.INTERESTED
    enrolment = session.scalars(select(Enrolment).where(Enrolment.trial_id == trial.id)).one()
    assert enrolment.status is EnrolmentStatus.INTERESTED
    assert "You have registered interest" in text_of(client.get(response.headers["Location"]))
    assert len(audit(session, "invitation.interested")) == 1


def test_the_volunteer_says_no_thanks(client, session, world, login_as, trial):
    invitation = invited(session, world, trial)
    login_as(world.participant.user)
    response = client.post(f"/my-trials/invitations/{invitation.id}/decline")
    assert response.status_code == 302
    assert invitations(session)[0].status is InvitationStatus.DECLINED
    assert "You said no thanks" in text_of(client.get("/my-trials/invitations"))
    assert client.post(f"/my-trials/invitations/{invitation.id}/decline").status_code == 409


@pytest.mark.parametrize("answer", ["interested", "decline"])
def test_nobody_else_may_answer(client, session, world, login_as, trial, answer):
    invitation = invited(session, world, trial)
    someone_else = factories.make_participant(session, full_name="Sam Else")
    session.commit()
    login_as(someone_else.user)
    assert client.post(f"/my-trials/invitations/{invitation.id}/{answer}").status_code == 404
    assert trial.title not in text_of(client.get("/my-trials/invitations"))
    assert invitations(session)[0].status is InvitationStatus.INVITED


@pytest.mark.parametrize("who", ["researcher_wfh", "company"])
def test_staff_cannot_answer_for_the_volunteer(client, session, world, login_as, trial, who):
    invitation = invited(session, world, trial)
    login_as(getattr(world, who))
    assert client.post(f"/my-trials/invitations/{invitation.id}/interested").status_code == 403
    assert client.get("/my-trials/invitations").status_code == 403
