"""Reporting and correcting adverse events through the services: audit, alerts, rules."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.errors import InvalidInput, NotPermitted
from livinglab.mail.models import OutboxMessage
from tests import factories
from tests.factories import count_where as count
from tests.factories import reload_trial as load_trial
from tests.trials.safety.helpers import PARTICIPANT_NAME, draft, enrol, serious, today
from trials.safety.models import AdverseEvent, Severity
from trials.safety.services import correct_adverse_event, report_adverse_event
from trials.states import TrialStatus


@pytest.fixture
def enrolment(session, world, trial_id):
    return enrol(session, world, trial_id, "WFH", name=PARTICIPANT_NAME)


def report(session, world, trial_id, enrolment, value, actor=None):
    event = report_adverse_event(
        session,
        enrolment,
        trial=load_trial(session, trial_id),
        actor=actor or world.researcher_wfh,
        draft=value,
    )
    session.commit()
    return event


def test_report_writes_the_event_and_its_audit_event(session, world, trial_id, enrolment):
    mail = count(session, OutboxMessage)
    event = report(session, world, trial_id, enrolment, draft())
    stored = session.get(AdverseEvent, event.id)
    assert stored.severity is Severity.MODERATE and not stored.is_serious
    audit = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "adverse_event.reported")
    ).one()
    assert audit.actor_id == world.researcher_wfh.id
    assert audit.trial_id == trial_id
    assert audit.new_value["participant_code"] == enrolment.participant_code
    assert audit.new_value["severity"] == "moderate"
    assert count(session, OutboxMessage) == mail  # not serious: nobody is emailed


def test_serious_event_emails_staff_at_every_approved_site_without_the_name(
    session, world, trial_id, enrolment
):
    before = count(session, OutboxMessage)
    report(session, world, trial_id, enrolment, serious())
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[before:]
    assert sorted(m.to_address for m in messages) == [
        world.researcher_dor.email,
        world.researcher_wfh.email,
    ]
    for message in messages:
        assert "Steady feet trial" in message.subject
        assert enrolment.participant_code in message.body_text
        assert PARTICIPANT_NAME not in message.body_text + message.subject
        assert "Fell in the kitchen" not in message.body_text  # details stay on the site


def test_staff_at_a_site_not_approved_are_not_emailed(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()
    enrolment = enrol(session, world, trial.id, "WFH")
    report(session, world, trial.id, enrolment, serious())
    addresses = session.scalars(select(OutboxMessage.to_address)).all()
    assert world.researcher_wfh.email in addresses
    assert world.researcher_dor.email not in addresses


# Built when the test runs, not when it is collected: a run that passes midnight would
# otherwise compare "tomorrow" with a today that has already become it.
@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: draft(description="   "), "description"),
        (lambda: draft(is_serious=True), "serious_criterion"),
        (lambda: draft(onset_on=today() + dt.timedelta(days=1)), "onset_on"),
        (lambda: draft(onset_on=today() - dt.timedelta(days=30)), "onset_on"),  # before consent
        (lambda: draft(resolved_on=today() - dt.timedelta(days=1)), "resolved_on"),
        (lambda: draft(resolved_on=today() + dt.timedelta(days=1)), "resolved_on"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    session, world, trial_id, enrolment, make, field
):
    audits = count(session, AuditEvent)
    with pytest.raises(InvalidInput) as error:
        report(session, world, trial_id, enrolment, make())
    session.rollback()
    assert error.value.field == field
    assert count(session, AdverseEvent) == 0
    assert count(session, AuditEvent) == audits


def test_only_staff_at_the_participants_site_can_report(session, world, trial_id, enrolment):
    with pytest.raises(NotPermitted):
        report(session, world, trial_id, enrolment, draft(), actor=world.researcher_dor)
    session.rollback()
    assert count(session, AdverseEvent) == 0


def test_correction_needs_a_reason_and_audits_old_and_new(session, world, trial_id, enrolment):
    event = report(session, world, trial_id, enrolment, draft())
    trial = load_trial(session, trial_id)
    kwargs = {"enrolment": enrolment, "trial": trial, "actor": world.researcher_wfh}
    with pytest.raises(InvalidInput) as error:
        correct_adverse_event(
            session, event, draft=draft(severity=Severity.SEVERE), reason=" ", **kwargs
        )
    assert error.value.field == "reason"
    session.rollback()
    event = session.get(AdverseEvent, event.id)
    before = count(session, OutboxMessage)
    correct_adverse_event(
        session,
        event,
        draft=serious(severity=Severity.SEVERE),
        reason="Admitted overnight",
        **kwargs,
    )
    session.commit()
    audit = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "adverse_event.corrected")
    ).one()
    assert audit.old_value == {
        "is_serious": False,
        "serious_criterion": None,
        "severity": "moderate",
    }
    assert audit.new_value == {
        "is_serious": True,
        "serious_criterion": "hospitalisation",
        "severity": "severe",
    }
    assert audit.reason == "Admitted overnight"
    assert session.get(AdverseEvent, event.id).severity is Severity.SEVERE
    # Becoming serious on correction alerts the staff then.
    assert count(session, OutboxMessage) == before + 2
