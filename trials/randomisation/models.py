"""The concealed allocation list: one row per slot, per trial and stratum."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livinglab.db import make_append_only, utcnow
from livinglab.extensions import db


class AllocationSlot(db.Model):
    __tablename__ = "allocation_slots"
    __table_args__ = (
        UniqueConstraint("trial_id", "stratum", "sequence_no"),
        UniqueConstraint("enrolment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    #: Stratum key, the site code for site-stratified lists (e.g. ``WFH``).
    stratum: Mapped[str] = mapped_column(String(40))
    #: Position in the stratum's list, from 1 with no gaps.
    sequence_no: Mapped[int]
    block_no: Mapped[int]
    block_size: Mapped[int]
    arm_id: Mapped[int] = mapped_column(ForeignKey("arms.id"))
    #: Set when the slot is used; each slot is used at most once.
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"))
    used_at: Mapped[dt.datetime | None]


class Unblinding(db.Model):
    """An emergency disclosure of one participant's arm: append-only, with its reason."""

    __tablename__ = "unblindings"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    unblinded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


make_append_only(Unblinding)
