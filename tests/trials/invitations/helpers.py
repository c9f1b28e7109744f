"""Volunteers and trials for the invitation tests."""

from __future__ import annotations

import datetime as dt
from itertools import count

from sqlalchemy import select

from livinglab.accounts.models import User
from livinglab.audit.models import AuditEvent
from livinglab.participants.models import Participant, Sex
from tests import factories
from trials.eligibility import rules
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.invitations import services
from trials.invitations.models import Invitation
from trials.proposals.models import Trial
from trials.queries import trial_with_details

_seq = count(1)


def add_volunteer(
    session, name: str = "Val Volunteer", *, age: int = 40, opted_in: bool = True
) -> Participant:
    """A resident added directly (no password to hash): enough to screen and invite."""
    n = next(_seq)
    user = User(email=f"volunteer{n}@example.test", full_name=f"{name} {n}")
    session.add(user)
    session.flush()
    today = rules.today_in_uk()
    participant = Participant(
        user_id=user.id,
        date_of_birth=today - dt.timedelta(days=round(365.25 * (age + 0.5))),
        sex=Sex.FEMALE,
        postcode="BH8 8DL",
        registry_opt_in=opted_in,
        has_smartphone=True,
    )
    session.add(participant)
    session.flush()
    return participant


def loaded(session, trial_id: int) -> Trial:
    """The trial with its sites and criteria, as the screening page loads it."""
    session.expire_all()
    return session.scalars(trial_with_details().where(Trial.id == trial_id)).one()


def invite(session, world, trial: Trial, people, **kwargs) -> list[Invitation]:
    """Invite ``people`` from WFH as the WFH researcher."""
    return services.invite(
        session,
        trial=loaded(session, trial.id),
        participant_ids=[p.id for p in people],
        site_id=kwargs.pop("site_id", world.wfh.id),
        actor=kwargs.pop("actor", world.researcher_wfh),
        **kwargs,
    )


def enrol(session, trial: Trial, participant: Participant, status: EnrolmentStatus) -> Enrolment:
    enrolment = Enrolment(
        trial_id=trial.id,
        participant_id=participant.id,
        site_id=factories.site(session, "WFH").id,
        participant_code=f"T{trial.id}-{participant.id:04d}",
        status=status,
    )
    session.add(enrolment)
    session.flush()
    return enrolment


def audit(session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )
