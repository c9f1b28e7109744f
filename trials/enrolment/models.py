"""One participant's enrolment in one trial."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.db import enum_column, utcnow
from livinglab.extensions import db
from livinglab.participants.models import Participant
from livinglab.sites.models import Site
from trials.proposals.models import Arm


class EnrolmentStatus(enum.StrEnum):
    INTERESTED = "interested"
    SCREENED = "screened"
    CONSENTED = "consented"
    RANDOMISED = "randomised"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("trial_id", "participant_id"),
        UniqueConstraint("trial_id", "participant_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    #: Pseudonym used in every analysis dataset, e.g. ``WFH-0007``; reveals no identity.
    participant_code: Mapped[str] = mapped_column(String(20))
    status: Mapped[EnrolmentStatus] = mapped_column(enum_column(EnrolmentStatus, 30), index=True)
    arm_id: Mapped[int | None] = mapped_column(ForeignKey("arms.id"))
    randomised_at: Mapped[dt.datetime | None]
    #: Age band and sex when randomised, kept for minimisation and reports (``65-74``).
    age_band: Mapped[str | None] = mapped_column(String(10))
    sex: Mapped[str | None] = mapped_column(String(20))
    #: When the participant completed, withdrew or was lost to follow-up.
    ended_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    participant: Mapped[Participant] = relationship(lazy="raise")
    site: Mapped[Site] = relationship(lazy="joined")
    arm: Mapped[Arm | None] = relationship(lazy="joined")


#: Registered interest (and perhaps screened by staff), not yet consented.
WAITING_TO_CONSENT = frozenset({EnrolmentStatus.INTERESTED, EnrolmentStatus.SCREENED})
