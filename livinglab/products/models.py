"""Products a company brings to the Living Lab."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.db import enum_column, utcnow
from livinglab.extensions import db
from livinglab.organisations.models import Organisation


class ProductCategory(enum.StrEnum):
    DEVICE = "device"
    DIGITAL_HEALTH_APP = "digital_health_app"
    DIAGNOSTIC = "diagnostic"
    SERVICE_INNOVATION = "service_innovation"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[ProductCategory] = mapped_column(enum_column(ProductCategory))
    intended_use: Mapped[str] = mapped_column(Text)
    #: Free text for now, e.g. "UKCA class I"; structured in the product register work.
    regulatory_status: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="raise")
