"""Adverse events reported for a participant in a trial (ICH E2A terms)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.db import enum_column, utcnow
from livinglab.extensions import db
from trials.enrolment.models import Enrolment


class _Labelled(enum.StrEnum):
    @property
    def label(self) -> str:
        return LABELS.get(self.value, self.value.replace("_", " ").capitalize())


class SeriousCriterion(_Labelled):
    """Why an event is serious (ICH E2A)."""

    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital_anomaly"
    OTHER_IMPORTANT = "other_important"


class Severity(_Labelled):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Relatedness(_Labelled):
    """How likely the trial's product caused the event."""

    NOT_RELATED = "not_related"
    UNLIKELY = "unlikely"
    POSSIBLE = "possible"
    PROBABLE = "probable"
    DEFINITE = "definite"


class Outcome(_Labelled):
    RECOVERED = "recovered"
    RECOVERING = "recovering"
    NOT_RECOVERED = "not_recovered"
    RECOVERED_WITH_AFTER_EFFECTS = "recovered_with_after_effects"
    FATAL = "fatal"
    UNKNOWN = "unknown"


LABELS = {
    "life_threatening": "Life-threatening",
    "hospitalisation": "Hospitalisation, or a longer hospital stay",
    "disability": "Persistent or significant disability",
    "other_important": "Other important medical event",
    "not_related": "Not related",
    "recovered_with_after_effects": "Recovered with after-effects",
}


class AdverseEvent(db.Model):
    """One adverse event. Corrections update the row; the audit trail keeps the old values."""

    __tablename__ = "adverse_events"
    __table_args__ = (
        CheckConstraint("resolved_on IS NULL OR resolved_on >= onset_on", name="resolved_after"),
        CheckConstraint(
            "is_serious = false OR serious_criterion IS NOT NULL", name="serious_has_criterion"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    #: Copied from the enrolment so a trial's events are listed without a join.
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    is_serious: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Set only when the event is serious.
    serious_criterion: Mapped[SeriousCriterion | None] = mapped_column(
        enum_column(SeriousCriterion, 30)
    )
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, 20))
    relatedness: Mapped[Relatedness] = mapped_column(enum_column(Relatedness, 20))
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, 40))
    onset_on: Mapped[dt.date]
    resolved_on: Mapped[dt.date | None]
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: When the last correction was made, if any.
    corrected_at: Mapped[dt.datetime | None]

    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
