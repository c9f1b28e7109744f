"""Recorded outcome values."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.db import enum_column, utcnow
from livinglab.extensions import db
from trials.proposals.models import Measure, TrialVisit


class ObservationSource(enum.StrEnum):
    STAFF = "staff"
    PARTICIPANT = "participant"
    DEVICE = "device"
    IMPORT = "import"


class Observation(db.Model):
    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("enrolment_id", "visit_id", "measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("trial_visits.id"))
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    value: Mapped[float]
    source: Mapped[ObservationSource] = mapped_column(enum_column(ObservationSource, 20))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    visit: Mapped[TrialVisit] = relationship(lazy="joined")
    measure: Mapped[Measure] = relationship(lazy="joined")
