"""Many consented people in one go, written straight to the tables (no services, no argon2).

The monitoring code only counts rows, so these tests build the rows it counts directly.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.db import utcnow
from livinglab.participants.models import ContactMethod, Participant, Sex
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.proposals.models import Arm

_seq = itertools.count(1)


@dataclass(frozen=True)
class Person:
    age: int = 70
    sex: Sex = Sex.FEMALE
    quintile: int | None = 3
    ethnic_group: str | None = "white_british"
    status: EnrolmentStatus = EnrolmentStatus.RANDOMISED
    randomised_on: dt.date | None = dt.date(2026, 3, 2)


def add_people(
    session: Session,
    trial_id: int,
    site_id: int,
    people: list[Person],
    *,
    today: dt.date = dt.date(2026, 12, 1),
) -> list[int]:
    """Enrol ``people`` at ``site_id``; returns their enrolment ids."""
    arm_id = session.scalar(select(Arm.id).where(Arm.trial_id == trial_id).limit(1))
    ids = []
    for person in people:
        n = next(_seq)
        user = User(email=f"counted{n}@example.test", full_name=f"Counted {n}")
        session.add(user)
        session.flush()
        participant = Participant(
            user_id=user.id,
            date_of_birth=today.replace(year=today.year - person.age) - dt.timedelta(days=1),
            sex=person.sex,
            postcode="BH1 1AA",
            deprivation_quintile=person.quintile,
            registry_opt_in=True,
            contact_method=ContactMethod.EMAIL,
            ethnic_group=person.ethnic_group,
        )
        session.add(participant)
        session.flush()
        randomised = person.randomised_on is not None and person.status not in (
            EnrolmentStatus.INTERESTED,
            EnrolmentStatus.SCREENED,
            EnrolmentStatus.CONSENTED,
        )
        ids.append(
            session.scalar(
                insert(Enrolment)
                .values(
                    trial_id=trial_id,
                    participant_id=participant.id,
                    site_id=site_id,
                    participant_code=f"T-{n:06d}",
                    status=person.status,
                    arm_id=arm_id if randomised else None,
                    randomised_at=(
                        dt.datetime.combine(person.randomised_on, dt.time(10), dt.UTC)
                        if randomised
                        else None
                    ),
                    created_at=utcnow(),
                )
                .returning(Enrolment.id)
            )
        )
    session.flush()
    return ids
