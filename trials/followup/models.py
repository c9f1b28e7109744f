"""Each randomised participant's visit schedule: one row per planned visit."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.db import enum_column, utcnow
from livinglab.extensions import db
from trials.enrolment.models import Enrolment
from trials.proposals.models import TrialVisit


class VisitStatus(enum.StrEnum):
    #: Still to happen; "due" or "overdue" is worked out from the dates.
    SCHEDULED = "scheduled"
    ATTENDED = "attended"
    #: Did not happen; the reason is kept. A missed visit stays in the analysis dataset
    #: as a row with an empty outcome.
    MISSED = "missed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ScheduledVisit(db.Model):
    __tablename__ = "scheduled_visits"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "visit_id"),
        Index("ix_scheduled_visits_trial_status_due", "trial_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("trial_visits.id"))
    #: The target day: randomisation day plus the visit's day offset.
    due_on: Mapped[dt.date]
    #: The visit may happen up to this many days either side of ``due_on``.
    window_days: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[VisitStatus] = mapped_column(
        enum_column(VisitStatus, 20),
        default=VisitStatus.SCHEDULED,
        server_default=VisitStatus.SCHEDULED.value,
    )
    attended_on: Mapped[dt.date | None]
    missed_reason: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
    visit: Mapped[TrialVisit] = relationship(lazy="joined")

    @property
    def window_opens(self) -> dt.date:
        return self.due_on - dt.timedelta(days=self.window_days)

    @property
    def window_closes(self) -> dt.date:
        return self.due_on + dt.timedelta(days=self.window_days)
