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


class ProductStage(enum.StrEnum):
    CONCEPT = "concept"
    PROTOTYPE = "prototype"
    MARKED = "marked"

    @property
    def label(self) -> str:
        return {
            ProductStage.CONCEPT: "Concept",
            ProductStage.PROTOTYPE: "Prototype",
            ProductStage.MARKED: "CE or UKCA marked",
        }[self]


class DeviceClass(enum.StrEnum):
    """UK MDR 2002 medical device classes (and IVD for diagnostics)."""

    NOT_A_DEVICE = "not_a_device"
    CLASS_I = "class_i"
    CLASS_IIA = "class_iia"
    CLASS_IIB = "class_iib"
    CLASS_III = "class_iii"
    IVD = "ivd"

    @property
    def label(self) -> str:
        return {
            DeviceClass.NOT_A_DEVICE: "Not a medical device",
            DeviceClass.CLASS_I: "Class I",
            DeviceClass.CLASS_IIA: "Class IIa",
            DeviceClass.CLASS_IIB: "Class IIb",
            DeviceClass.CLASS_III: "Class III",
            DeviceClass.IVD: "In vitro diagnostic",
        }[self]


class DtacStatus(enum.StrEnum):
    """Digital Technology Assessment Criteria (NHS England) status."""

    NOT_APPLICABLE = "not_applicable"
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PASSED = "passed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class EsfTier(enum.StrEnum):
    """NICE Evidence Standards Framework tier for digital health technologies (2022)."""

    NOT_APPLICABLE = "not_applicable"
    TIER_A = "tier_a"
    TIER_B = "tier_b"
    TIER_C = "tier_c"

    @property
    def label(self) -> str:
        return {
            EsfTier.NOT_APPLICABLE: "Not a digital health technology",
            EsfTier.TIER_A: "Tier A (system services)",
            EsfTier.TIER_B: "Tier B (communicating about health)",
            EsfTier.TIER_C: "Tier C (interventions and diagnostics)",
        }[self]


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[ProductCategory] = mapped_column(enum_column(ProductCategory))
    intended_use: Mapped[str] = mapped_column(Text)
    #: Free text for now, e.g. "UKCA class I"; structured in the product register work.
    regulatory_status: Mapped[str | None] = mapped_column(String(120))
    stage: Mapped[ProductStage | None] = mapped_column(enum_column(ProductStage, 20))
    device_class: Mapped[DeviceClass | None] = mapped_column(enum_column(DeviceClass, 20))
    dtac_status: Mapped[DtacStatus | None] = mapped_column(enum_column(DtacStatus, 20))
    esf_tier: Mapped[EsfTier | None] = mapped_column(enum_column(EsfTier, 20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="raise")
