"""The resident's registry profile; identifiers stay here and on the user, never in analyses.

Also the registry's reference tables: the conditions residents can tick, the postcode
areas and districts in the catchment, and the postcode deprivation lookup.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.accounts.models import User
from livinglab.db import enum_column, utcnow
from livinglab.extensions import db


class Sex(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"
    NOT_SAID = "prefer_not_to_say"

    @property
    def label(self) -> str:
        return {
            Sex.FEMALE: "Female",
            Sex.MALE: "Male",
            Sex.INTERSEX: "Intersex",
            Sex.NOT_SAID: "Prefer not to say",
        }[self]


class ContactMethod(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    POST = "post"

    @property
    def label(self) -> str:
        return {
            ContactMethod.EMAIL: "Email",
            ContactMethod.PHONE: "Phone",
            ContactMethod.POST: "Post",
        }[self]


participant_conditions = Table(
    "participant_conditions",
    db.metadata,
    Column("participant_id", ForeignKey("participants.id"), primary_key=True),
    Column("condition_id", ForeignKey("conditions.id"), primary_key=True),
)


class Condition(db.Model):
    """A long-term condition residents can say they live with; staff maintain the list."""

    __tablename__ = "conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())


class Participant(db.Model):
    __tablename__ = "participants"
    __table_args__ = (Index("ix_participants_date_of_birth_postcode", "date_of_birth", "postcode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    date_of_birth: Mapped[dt.date]
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, 20))
    #: Normalised upper-case with one space, e.g. ``BH8 8DL``.
    postcode: Mapped[str] = mapped_column(String(8))
    #: IMD quintile, 1 = most deprived 20%; ``None`` when the postcode is not in the lookup.
    deprivation_quintile: Mapped[int | None]
    registry_opt_in: Mapped[bool] = mapped_column(default=False)
    contact_method: Mapped[ContactMethod] = mapped_column(
        enum_column(ContactMethod, 10), default=ContactMethod.EMAIL, server_default="email"
    )
    #: Digits only, starting 0, e.g. ``07700900982``.
    phone: Mapped[str | None] = mapped_column(String(20))
    #: Ten digits without spaces; checked with the modulus 11 rule.
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    #: Digital access; ``None`` when the resident did not answer.
    has_smartphone: Mapped[bool | None]
    has_computer_or_tablet: Mapped[bool | None]
    has_home_internet: Mapped[bool | None]
    #: A code from :data:`livinglab.participants.ethnicity.ETHNIC_GROUPS`, or ``None``.
    ethnic_group: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    conditions: Mapped[list[Condition]] = relationship(
        secondary=participant_conditions, order_by=Condition.name
    )

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years

    @property
    def postcode_area(self) -> str:
        """Letters before the first digit, e.g. ``BH`` or ``DT``."""
        return postcode_area(self.postcode)


def postcode_area(postcode: str) -> str:
    """The postcode area: the letters before the first digit (``B8H 1AA`` -> ``B``)."""
    outward = postcode.split(" ")[0]
    return outward[: len(outward) - len(outward.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]


class CatchmentArea(db.Model):
    """A postcode area (``BH``) or outward district (``BH8``) in the Living Lab catchment.

    A district row overrides its area, so ``BH24`` can be left out of an active ``BH``.
    """

    __tablename__ = "catchment_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())


class DeprivationLookup(db.Model):
    """The Index of Multiple Deprivation quintile of a postcode (1 = most deprived 20%)."""

    __tablename__ = "deprivation_lookup"
    __table_args__ = (CheckConstraint("imd_quintile BETWEEN 1 AND 5", name="imd_quintile_range"),)

    #: Normalised, e.g. ``BH8 8DL``.
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    imd_quintile: Mapped[int]


class PossibleDuplicate(db.Model):
    """A new participant with the same name, date of birth and postcode as an existing one."""

    __tablename__ = "possible_duplicates"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    existing_participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    participant: Mapped[Participant] = relationship(foreign_keys=[participant_id])
    existing_participant: Mapped[Participant] = relationship(foreign_keys=[existing_participant_id])
