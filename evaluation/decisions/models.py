"""The adoption decision recorded for a trial."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from livinglab.db import enum_column, utcnow
from livinglab.extensions import db


class DecisionOutcome(enum.StrEnum):
    ADOPT = "adopt"
    ADOPT_WITH_CONDITIONS = "adopt_with_conditions"
    DO_NOT_ADOPT = "do_not_adopt"
    MORE_EVIDENCE_NEEDED = "more_evidence_needed"

    @property
    def label(self) -> str:
        return {
            DecisionOutcome.ADOPT: "Adopt",
            DecisionOutcome.ADOPT_WITH_CONDITIONS: "Adopt with conditions",
            DecisionOutcome.DO_NOT_ADOPT: "Do not adopt",
            DecisionOutcome.MORE_EVIDENCE_NEEDED: "More evidence needed",
        }[self]


class AdoptionDecision(db.Model):
    __tablename__ = "adoption_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), unique=True)
    analysis_run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id"))
    outcome: Mapped[DecisionOutcome] = mapped_column(enum_column(DecisionOutcome, 30))
    reasons: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The evidence pack's judgements (None on decisions recorded before the pack existed).
    nice_tier: Mapped[str | None] = mapped_column(String(20))
    certainty: Mapped[str | None] = mapped_column(String(20))
    conditions: Mapped[str | None] = mapped_column(Text)
    cost_note: Mapped[str | None] = mapped_column(Text)
    #: The plain-English summary published on the trial's public page and sent to participants.
    public_summary: Mapped[str | None] = mapped_column(Text)
