"""The trial proposal: product, design, arms, sites and targets, outcome measures, visits."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.db import enum_column, utcnow
from livinglab.extensions import db
from livinglab.organisations.models import Organisation
from livinglab.products.models import Product
from livinglab.sites.models import Site
from trials.states import TrialStatus

if TYPE_CHECKING:
    from trials.eligibility.models import EligibilityCriteria


class TrialDesign(enum.StrEnum):
    #: Participants randomised between 2 to 4 arms in a set ratio, followed in parallel.
    PARALLEL_RCT = "parallel_rct"
    #: One arm, each participant measured before and after; analysed with paired tests.
    SINGLE_ARM = "single_arm"
    #: Each participant has every arm in a randomised order with a washout between; the
    #: design is recorded for review and future use, analysed as parallel arms for now.
    CROSSOVER = "crossover"

    @property
    def label(self) -> str:
        return DESIGN_LABELS[self]


DESIGN_LABELS = {
    TrialDesign.PARALLEL_RCT: "Parallel randomised controlled trial",
    TrialDesign.SINGLE_ARM: "Single arm, before and after",
    TrialDesign.CROSSOVER: "Crossover",
}


class RandomisationMethod(enum.StrEnum):
    #: A concealed list of permuted blocks of varying size, stratified by site, made from a
    #: recorded seed when the trial is approved.
    BLOCKS = "blocks"
    #: Pocock-Simon minimisation over site, age band and sex, with a random element.
    MINIMISATION = "minimisation"

    @property
    def label(self) -> str:
        return RANDOMISATION_LABELS[self]


RANDOMISATION_LABELS = {
    RandomisationMethod.BLOCKS: "Stratified permuted blocks (by site)",
    RandomisationMethod.MINIMISATION: "Minimisation (site, age band and sex)",
}


class MeasureType(enum.StrEnum):
    CONTINUOUS = "continuous"
    BINARY = "binary"
    COUNT = "count"
    ORDINAL = "ordinal"


class IcsOutcome(db.Model):
    """One of the Dorset ICS Joint Forward Plan outcomes a trial can say it serves."""

    __tablename__ = "ics_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable name used in filters and URLs, e.g. ``mental_health``.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int]
    #: Short plain-English name for filters, e.g. "Mental health".
    short_name: Mapped[str] = mapped_column(String(60))
    #: The outcome as the plan words it.
    title: Mapped[str] = mapped_column(String(200))


#: The visits at which a measure is collected; a measure with no rows here is collected at
#: every visit (the rule for proposals drafted before measures named their visits).
measure_visits = Table(
    "measure_visits",
    db.metadata,
    Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    Column("visit_id", ForeignKey("trial_visits.id", ondelete="CASCADE"), primary_key=True),
)

trial_ics_outcomes = Table(
    "trial_ics_outcomes",
    db.metadata,
    Column("trial_id", ForeignKey("trials.id", ondelete="CASCADE"), primary_key=True),
    Column("ics_outcome_id", ForeignKey("ics_outcomes.id"), primary_key=True),
)


class Trial(db.Model):
    __tablename__ = "trials"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Plain-English summary shown to residents.
    summary: Mapped[str] = mapped_column(Text)
    design: Mapped[TrialDesign] = mapped_column(
        enum_column(TrialDesign), default=TrialDesign.PARALLEL_RCT
    )
    status: Mapped[TrialStatus] = mapped_column(
        enum_column(TrialStatus, 30), default=TrialStatus.DRAFT, index=True
    )
    #: Seed of the concealed allocation list, recorded at approval so the list can be rebuilt.
    allocation_seed: Mapped[int | None] = mapped_column(db.BigInteger)
    randomisation_method: Mapped[RandomisationMethod] = mapped_column(
        enum_column(RandomisationMethod, 20),
        default=RandomisationMethod.BLOCKS,
        server_default=RandomisationMethod.BLOCKS.value,
    )
    #: The researcher who leads the trial day to day: may lock and unlock its data.
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    approved_at: Mapped[dt.datetime | None]
    data_locked_at: Mapped[dt.datetime | None]
    #: What the trial sets out to show, in the company's words (reviewers read it).
    aims: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The population the trial is for, in plain words.
    target_population: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Who pays for the trial and how.
    funding: Mapped[str] = mapped_column(Text, default="", server_default="")
    recruitment_start: Mapped[dt.date | None]
    recruitment_end: Mapped[dt.date | None]
    #: Integrated Research Application System project id.
    iras_id: Mapped[str | None] = mapped_column(String(20))
    #: Research Ethics Committee reference, e.g. ``24/SC/0123``.
    rec_reference: Mapped[str | None] = mapped_column(String(40))
    ethics_approved_on: Mapped[dt.date | None]
    #: Crossover only: days between periods so the first arm's effect wears off.
    washout_days: Mapped[int | None]

    organisation: Mapped[Organisation] = relationship(lazy="raise")
    product: Mapped[Product] = relationship(lazy="raise")
    arms: Mapped[list[Arm]] = relationship(
        back_populates="trial", cascade="all, delete-orphan", order_by="Arm.position", lazy="raise"
    )
    trial_sites: Mapped[list[TrialSite]] = relationship(
        back_populates="trial",
        cascade="all, delete-orphan",
        order_by="TrialSite.site_id",
        lazy="raise",
    )
    measures: Mapped[list[Measure]] = relationship(
        back_populates="trial", cascade="all, delete-orphan", order_by="Measure.id", lazy="raise"
    )
    ics_outcomes: Mapped[list[IcsOutcome]] = relationship(
        secondary=trial_ics_outcomes, order_by=IcsOutcome.position, lazy="raise"
    )
    #: Who may take part; ``None`` means no restriction beyond the registry's own.
    eligibility: Mapped[EligibilityCriteria | None] = relationship(
        back_populates="trial", cascade="all, delete-orphan", uselist=False, lazy="raise"
    )
    visits: Mapped[list[TrialVisit]] = relationship(
        back_populates="trial",
        cascade="all, delete-orphan",
        order_by="TrialVisit.day_offset",
        lazy="raise",
    )

    @property
    def control_arm(self) -> Arm | None:
        return next((arm for arm in self.arms if arm.is_control), None)

    @property
    def primary_measure(self) -> Measure | None:
        return next((m for m in self.measures if m.is_primary), None)

    @property
    def approved_sites(self) -> list[TrialSite]:
        return [ts for ts in self.trial_sites if ts.is_approved]

    @property
    def eligibility_in_words(self) -> list[tuple[str, str]]:
        """The eligibility criteria as (question, answer) rows; empty when none are set."""
        # Imported here because the describing module imports this one.
        from trials.proposals.criteria import describe_eligibility

        return describe_eligibility(self.eligibility)

    def __repr__(self) -> str:
        return f"<Trial {self.id} {self.status}>"


class Arm(db.Model):
    __tablename__ = "arms"
    __table_args__ = (UniqueConstraint("trial_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Allocation ratio weight, e.g. 1 and 1 for 1:1.
    ratio: Mapped[int] = mapped_column(default=1)
    is_control: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    trial: Mapped[Trial] = relationship(back_populates="arms", lazy="raise")


class TrialSite(db.Model):
    __tablename__ = "trial_sites"
    __table_args__ = (UniqueConstraint("trial_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    #: Participants the company asks for at this site.
    target: Mapped[int]
    #: Set at approval: the site agreed to run the trial (with ``approved_target``).
    is_approved: Mapped[bool] = mapped_column(default=False)
    approved_target: Mapped[int | None]

    trial: Mapped[Trial] = relationship(back_populates="trial_sites", lazy="raise")
    site: Mapped[Site] = relationship(lazy="joined")


class Measure(db.Model):
    __tablename__ = "measures"
    __table_args__ = (UniqueConstraint("trial_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(40))
    type: Mapped[MeasureType] = mapped_column(enum_column(MeasureType, 20))
    min_value: Mapped[float]
    max_value: Mapped[float]
    is_primary: Mapped[bool] = mapped_column(default=False)
    #: Minimal important difference, in the measure's unit.
    minimal_important_difference: Mapped[float | None]
    #: True when a lower value is better (e.g. seconds to stand up and walk).
    lower_is_better: Mapped[bool] = mapped_column(default=False)
    #: A validated questionnaire (``trials.questionnaires`` code, e.g. ``phq9``) that the
    #: participant completes online; its score is the measure's value.
    instrument: Mapped[str | None] = mapped_column(String(20))

    trial: Mapped[Trial] = relationship(back_populates="measures", lazy="raise")
    #: Where the measure is taken; empty means at every visit of the schedule.
    visits: Mapped[list[TrialVisit]] = relationship(
        secondary=measure_visits, order_by="TrialVisit.day_offset", lazy="raise"
    )


class TrialVisit(db.Model):
    """A planned visit in the trial's schedule (baseline, follow-up...)."""

    __tablename__ = "trial_visits"
    __table_args__ = (UniqueConstraint("trial_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    #: Stable machine name used in analysis datasets: ``baseline``, ``follow_up``.
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    day_offset: Mapped[int] = mapped_column(default=0)
    is_baseline: Mapped[bool] = mapped_column(default=False)
    #: The visit may take place this many days either side of ``day_offset``.
    window_days: Mapped[int] = mapped_column(default=0, server_default="0")

    trial: Mapped[Trial] = relationship(back_populates="visits", lazy="raise")
