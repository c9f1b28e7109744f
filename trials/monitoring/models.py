"""Dorset's reference population, against which each trial's participants are compared.

A set is loaded whole (from the shipped file, or a CSV the admin uploads) and never
changed; the newest set is the one in use, and older sets stay for the record.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.db import make_append_only, utcnow
from livinglab.extensions import db


class ReferencePopulation(db.Model):
    __tablename__ = "reference_populations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Where the figures come from, as shown under every comparison.
    source: Mapped[str] = mapped_column(Text)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    groups: Mapped[list[ReferenceGroup]] = relationship(
        back_populates="population",
        order_by="ReferenceGroup.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class ReferenceGroup(db.Model):
    """One group's share of the adult population, e.g. sex = female, 0.513."""

    __tablename__ = "reference_groups"
    __table_args__ = (
        UniqueConstraint("population_id", "dimension", "category"),
        CheckConstraint("share >= 0 AND share <= 1", name="share_is_proportion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    population_id: Mapped[int] = mapped_column(
        ForeignKey("reference_populations.id", ondelete="CASCADE"), index=True
    )
    #: ``age_band``, ``sex``, ``deprivation_quintile`` or ``ethnic_group``.
    dimension: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(60))
    share: Mapped[float]
    position: Mapped[int] = mapped_column(default=0)

    population: Mapped[ReferencePopulation] = relationship(back_populates="groups", lazy="raise")


make_append_only(ReferencePopulation)
make_append_only(ReferenceGroup)
