"""Emergency unblinding: the service, the pages, the email, the log and every denial."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.mail.models import OutboxMessage
from tests import factories
from tests.pages import text_of
from trials.enrolment.models import Enrolment
from trials.proposals.models import Trial
from trials.queries import trial_with_details
from trials.randomisation.models import Unblinding
from trials.randomisation.unblinding import unblind
from trials.states import TrialStatus

NAME = "Margaret Quill"
REASON = "Admitted to A&E with a fall; the treating doctor needs the allocation."
CONFIRMED = {"reason": REASON, "confirm": "y"}


def load_trial(session, trial_id: int) -> Trial:
    return session.scalars(
        trial_with_details(particulars=False)
        .where(Trial.id == trial_id)
        .execution_options(populate_existing=True)
    ).one()


def notices(session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.subject.startswith("Participant unblinded"))
            .order_by(OutboxMessage.to_address)
        )
    )


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def queries(statements: list[str]) -> list[str]:
    """Statements other than the transaction's own BEGIN."""
    return [s for s in statements if not s.startswith("BEGIN")]


@pytest.fixture
def trial(session, world) -> Trial:
    """A recruiting trial at WFH and DOR led by the DOR researcher."""
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    trial.lead_id = world.researcher_dor.id
    session.commit()
    return load_trial(session, trial.id)


@pytest.fixture
def enrolment(session, world, trial) -> Enrolment:
    """Randomised at WFH: the lead works at DOR, so no site restriction may apply."""
    participant = factories.make_participant(session, full_name=NAME)
    enrolment = factories.randomised(session, world, trial, participant, "WFH")
    session.commit()
    return enrolment


def url(enrolment: Enrolment) -> str:
    return f"/randomisation/enrolments/{enrolment.id}/unblind"


def test_the_lead_unblinds_a_participant_at_another_site(session, world, trial, enrolment):
    row = unblind(session, enrolment, trial=trial, actor=world.researcher_dor, reason=REASON)
    session.commit()
    assert (row.enrolment_id, row.unblinded_by_id, row.reason) == (
        enrolment.id,
        world.researcher_dor.id,
        REASON,
    )
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "enrolment.unblinded"))
    assert (event.actor_id, event.reason, event.object_id) == (
        world.researcher_dor.id,
        REASON,
        enrolment.id,
    )
    assert event.new_value["arm_id"] == enrolment.arm_id
    (message,) = notices(session)
    assert message.to_address == world.researcher_dor.email
    assert enrolment.participant_code in message.body_text
    assert f"/randomisation/trials/{trial.id}/unblindings" in message.body_text
    for secret in (NAME, REASON, enrolment.arm.name):
        assert secret not in message.body_text + message.subject


def test_without_a_lead_the_sites_researchers_are_emailed(session, world, trial, enrolment):
    trial.lead_id = None
    unblind(session, enrolment, trial=trial, actor=world.admin, reason=REASON)
    assert [m.to_address for m in notices(session)] == [world.researcher_wfh.email]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(session, world, trial, enrolment, reason):
    with pytest.raises(InvalidInput) as error:
        unblind(session, enrolment, trial=trial, actor=world.admin, reason=reason)
    assert error.value.field == "reason"
    assert count(session, Unblinding) == 0


@pytest.mark.parametrize("who", ["researcher_wfh", "company", "evaluator"])
def test_only_admins_and_the_lead_may_unblind(session, world, trial, enrolment, who):
    with pytest.raises(NotPermitted):
        unblind(session, enrolment, trial=trial, actor=getattr(world, who), reason=REASON)


def test_a_participant_not_yet_randomised_cannot_be_unblinded(session, world, trial):
    waiting = factories.consent(session, trial, factories.make_participant(session))
    with pytest.raises(IllegalTransition, match="has not been randomised"):
        unblind(session, waiting, trial=trial, actor=world.admin, reason=REASON)


@pytest.mark.parametrize("who", ["admin", "researcher_dor"])
def test_unblinding_over_http_shows_the_arm(client, login_as, session, world, enrolment, who):
    login_as(getattr(world, who))
    form = client.get(url(enrolment)).get_data(as_text=True)
    assert f"Unblind {enrolment.participant_code}" in form and "Reason for unblinding" in form
    response = client.post(url(enrolment), data=CONFIRMED)
    assert response.status_code == 200
    assert f"{enrolment.participant_code} is in the {enrolment.arm.name} arm" in text_of(response)
    assert count(session, Unblinding) == 1
    assert count(session, AuditEvent, AuditEvent.action == "enrolment.unblinded") == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"confirm": "y"}, "Give the reason for unblinding"),
        ({"reason": REASON}, "Confirm that you want to unblind this participant"),
        ({"reason": "x" * 2001, "confirm": "y"}, "Reason must be 2000 characters or fewer"),
    ],
)
def test_bad_input_is_refused_whole(client, login_as, session, world, enrolment, data, message):
    login_as(world.admin)
    response = client.post(url(enrolment), data=data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert enrolment.arm.name not in text_of(response)
    assert count(session, Unblinding) == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("researcher_wfh", 403),  # staff at the participant's site, but not the lead
        ("company", 403),
        ("other_company", 403),
        ("evaluator", 403),
    ],
)
def test_denials(client, login_as, session, world, trial, enrolment, who, status):
    login_as(getattr(world, who))
    for path in (url(enrolment), f"/randomisation/trials/{trial.id}/unblindings"):
        assert client.get(path).status_code == status
    assert client.post(url(enrolment), data=CONFIRMED).status_code == status
    assert count(session, Unblinding) == 0


def test_a_researcher_outside_the_trial_gets_404_and_participants_403(
    client, login_as, session, world, trial, enrolment
):
    other = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()
    login_as(world.researcher_dor)
    assert client.get(f"/randomisation/trials/{other.id}/unblindings").status_code == 404
    assert client.get("/randomisation/enrolments/999999/unblind").status_code == 404
    client.post("/logout")
    login_as(world.participant.user)
    assert client.get(url(enrolment)).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, enrolment):
    response = client.get(url(enrolment))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_log_lists_unblindings_in_bounded_queries(
    client, login_as, session, world, trial, enrolment, count_queries
):
    unblind(session, enrolment, trial=trial, actor=world.admin, reason=REASON)
    session.commit()
    login_as(world.researcher_dor)
    with count_queries() as first:
        page = text_of(client.get(f"/randomisation/trials/{trial.id}/unblindings"))
    assert enrolment.participant_code in page and REASON in page and "Test User" in page
    assert enrolment.arm.name not in page
    for _ in range(4):
        unblind(session, enrolment, trial=trial, actor=world.researcher_dor, reason="Again.")
    session.commit()
    with count_queries() as more:
        page = text_of(client.get(f"/randomisation/trials/{trial.id}/unblindings"))
    assert "5 unblindings" in page
    assert len(queries(more)) == len(queries(first)) <= 20


def test_the_log_says_when_there_is_none(client, login_as, world, trial):
    login_as(world.admin)
    page = text_of(client.get(f"/randomisation/trials/{trial.id}/unblindings"))
    assert "No participant in this trial has been unblinded." in page
