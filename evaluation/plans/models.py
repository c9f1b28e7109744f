"""The statistical analysis plan (SAP), versioned; a locked version never changes."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from livinglab.db import enum_column, utcnow
from livinglab.extensions import db


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    LOCKED = "locked"


class Population(enum.StrEnum):
    INTENTION_TO_TREAT = "intention_to_treat"
    PER_PROTOCOL = "per_protocol"

    @property
    def label(self) -> str:
        return {
            Population.INTENTION_TO_TREAT: (
                "Intention to treat (everyone randomised, in the arm they were given)"
            ),
            Population.PER_PROTOCOL: "Per protocol (people who completed follow-up)",
        }[self]


class MissingData(enum.StrEnum):
    COMPLETE_CASE = "complete_case"
    COMPLETE_CASE_AND_MICE = "complete_case_and_mice"

    @property
    def label(self) -> str:
        return {
            MissingData.COMPLETE_CASE: "Complete case only",
            MissingData.COMPLETE_CASE_AND_MICE: (
                "Complete case, with multiple imputation (MICE) as a sensitivity analysis"
            ),
        }[self]


class Multiplicity(enum.StrEnum):
    HOLM = "holm"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            Multiplicity.HOLM: "Holm adjustment across the secondary outcomes",
            Multiplicity.NONE: "No adjustment (secondary outcomes are exploratory)",
        }[self]


class AnalysisPlan(db.Model):
    """One version of a trial's plan. ``outcomes`` lists what is analysed and how.

    Each outcome is ``{"measure_id", "measure", "role": "primary" | "secondary", "model",
    "family", "visit"}`` (the follow-up visit analysed; repeated-measures models use every
    follow-up visit). Covariates and subgroups are keys of
    :data:`evaluation.plans.choices.COVARIATES` and :data:`~.SUBGROUPS`.
    """

    __tablename__ = "analysis_plans"
    __table_args__ = (UniqueConstraint("trial_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus, 20), default=PlanStatus.DRAFT
    )
    control_arm_id: Mapped[int | None] = mapped_column(ForeignKey("arms.id"))
    population: Mapped[Population] = mapped_column(
        enum_column(Population, 30), default=Population.INTENTION_TO_TREAT
    )
    missing_data: Mapped[MissingData] = mapped_column(
        enum_column(MissingData, 30), default=MissingData.COMPLETE_CASE
    )
    multiplicity: Mapped[Multiplicity] = mapped_column(
        enum_column(Multiplicity, 20), default=Multiplicity.HOLM
    )
    #: ``classical`` or ``robust`` (HC3 / sandwich) standard errors.
    standard_errors: Mapped[str] = mapped_column(String(20), default="classical")
    covariates: Mapped[list[str]] = mapped_column(JSON, default=list)
    subgroups: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Why this version replaces the previous locked one (None for version 1).
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    locked_at: Mapped[dt.datetime | None]

    @property
    def is_locked(self) -> bool:
        return self.status is PlanStatus.LOCKED

    @property
    def primary(self) -> dict[str, Any] | None:
        return next((o for o in self.outcomes if o.get("role") == "primary"), None)

    @property
    def secondaries(self) -> list[dict[str, Any]]:
        return [o for o in self.outcomes if o.get("role") == "secondary"]


#: A locked plan version refuses UPDATE and no version is ever deleted, in the database
#: itself (the same triggers as migration 0009, for schemas made by ``create_all``).
FROZEN_PLAN_DDL = {
    "postgresql": (
        "CREATE OR REPLACE FUNCTION livinglab_refuse_locked_plan_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'DELETE' OR OLD.status = 'locked' THEN "
        "RAISE EXCEPTION 'a locked analysis plan cannot change'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER analysis_plans_frozen BEFORE UPDATE OR DELETE ON analysis_plans "
        "FOR EACH ROW EXECUTE FUNCTION livinglab_refuse_locked_plan_change()",
    ),
    "sqlite": (
        "CREATE TRIGGER IF NOT EXISTS analysis_plans_no_update BEFORE UPDATE ON analysis_plans "
        "WHEN OLD.status = 'locked' "
        "BEGIN SELECT RAISE(ABORT, 'a locked analysis plan cannot change'); END",
        "CREATE TRIGGER IF NOT EXISTS analysis_plans_no_delete BEFORE DELETE ON analysis_plans "
        "BEGIN SELECT RAISE(ABORT, 'analysis plans are never deleted'); END",
    ),
}
for _dialect, _statements in FROZEN_PLAN_DDL.items():
    for _sql in _statements:
        event.listen(
            AnalysisPlan.__table__,
            "after_create",
            DDL(_sql.replace("%", "%%")).execute_if(dialect=_dialect),
        )
