"""Review decisions on a trial proposal."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.accounts.models import User
from livinglab.db import enum_column, make_append_only, utcnow
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


class ProposalVersion(db.Model):
    """The proposal as the company submitted it, each time: kept, never overwritten.

    ``snapshot`` holds every field a reviewer reads (see :mod:`trials.review.versions`), so
    the reviewer can see what changed between one submission and the next.
    """

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("trial_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    submitted_by: Mapped[User] = relationship(lazy="joined")


make_append_only(ProposalVersion)


class ChecklistRating(enum.StrEnum):
    SATISFIED = "satisfied"
    CONCERNS = "concerns"
    NOT_MET = "not_met"

    @property
    def label(self) -> str:
        return {
            ChecklistRating.SATISFIED: "Satisfied",
            ChecklistRating.CONCERNS: "Some concerns",
            ChecklistRating.NOT_MET: "Not met",
        }[self]


class ReviewAssessment(db.Model):
    """The reviewers' current rating of one checklist item for a proposal (staff only)."""

    __tablename__ = "review_assessments"
    __table_args__ = (UniqueConstraint("trial_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    #: A code from :data:`trials.review.checklist.CHECKLIST`.
    item: Mapped[str] = mapped_column(String(40))
    rating: Mapped[ChecklistRating] = mapped_column(enum_column(ChecklistRating, 20))
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    reviewer: Mapped[User] = relationship(lazy="joined")


class ReviewComment(db.Model):
    """A comment to the company, or an internal note the company never sees."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    #: Internal notes are for research staff only.
    is_internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


make_append_only(ReviewComment)
