"""Review decisions on a trial proposal."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.accounts.models import User
from livinglab.db import enum_column, utcnow
from livinglab.extensions import db


class ReviewOutcome(enum.StrEnum):
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"


class ReviewDecision(db.Model):
    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[ReviewOutcome] = mapped_column(enum_column(ReviewOutcome, 30))
    #: Shown to the company.
    comments: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    reviewer: Mapped[User] = relationship(lazy="joined")
