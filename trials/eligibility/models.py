"""A trial's eligibility criteria as data (never code).

One row per trial. The same definition is checked for one person in Python and compiled
to SQL to screen the whole registry (:mod:`trials.eligibility.rules`); the two must agree.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.extensions import db
from livinglab.participants.models import Condition
from trials.proposals.models import Trial

eligibility_required_conditions = Table(
    "eligibility_required_conditions",
    db.metadata,
    Column(
        "criteria_id", ForeignKey("eligibility_criteria.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("condition_id", ForeignKey("conditions.id"), primary_key=True),
)

eligibility_excluded_conditions = Table(
    "eligibility_excluded_conditions",
    db.metadata,
    Column(
        "criteria_id", ForeignKey("eligibility_criteria.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("condition_id", ForeignKey("conditions.id"), primary_key=True),
)


class EligibilityCriteria(db.Model):
    __tablename__ = "eligibility_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(
        ForeignKey("trials.id", ondelete="CASCADE"), unique=True, index=True
    )
    #: Inclusive age range in whole years on the day of the check; ``None`` = no limit.
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    #: :class:`~livinglab.participants.models.Sex` values allowed; empty = any sex.
    sexes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Postcode areas (``DT``) or outward districts (``BH8``); empty = anywhere in the
    #: Living Lab catchment.
    postcode_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Digital access the trial needs (e.g. an app trial needs a smartphone).
    needs_smartphone: Mapped[bool] = mapped_column(default=False)
    needs_computer_or_tablet: Mapped[bool] = mapped_column(default=False)
    needs_home_internet: Mapped[bool] = mapped_column(default=False)

    trial: Mapped[Trial] = relationship(back_populates="eligibility", lazy="raise")
    #: The participant must live with at least one of these (empty = no requirement).
    required_conditions: Mapped[list[Condition]] = relationship(
        secondary=eligibility_required_conditions, order_by=Condition.name, lazy="selectin"
    )
    #: The participant must live with none of these.
    excluded_conditions: Mapped[list[Condition]] = relationship(
        secondary=eligibility_excluded_conditions, order_by=Condition.name, lazy="selectin"
    )
