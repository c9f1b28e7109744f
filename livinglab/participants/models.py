"""The resident's registry profile; identifiers stay here and on the user, never in analyses."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String
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


class Participant(db.Model):
    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    date_of_birth: Mapped[dt.date]
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, 20))
    #: Normalised upper-case with one space, e.g. ``BH8 8DL``.
    postcode: Mapped[str] = mapped_column(String(8))
    #: IMD quintile, 1 = most deprived 20%; ``None`` when the postcode is not in the lookup.
    deprivation_quintile: Mapped[int | None]
    registry_opt_in: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years

    @property
    def postcode_area(self) -> str:
        """Letters before the first digit, e.g. ``BH`` or ``DT``."""
        outward = self.postcode.split(" ")[0]
        return "".join(ch for ch in outward if ch.isalpha())[:2]
