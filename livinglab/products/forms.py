"""The product form (shape checks only; the service checks which answers each kind needs)."""

from __future__ import annotations

import enum

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from livinglab.products.models import (
    DeviceClass,
    DtacStatus,
    EsfTier,
    ProductCategory,
    ProductStage,
)
from livinglab.products.services import ProductDetails, RegulatoryProfile


def _radios(
    label: str, enum_cls: type[enum.Enum], message: str, *, required: bool, description: str = ""
) -> RadioField:
    return RadioField(
        label,
        description=description,
        choices=[SelectChoice(member.value, member.label) for member in enum_cls],
        coerce=enum_cls,
        invalid_value_message=message,
        invalid_choice_message=message,
        validators=[] if required else [Optional()],
    )


class ProductForm(FlaskForm):
    name = StringField(
        "Product name",
        validators=[
            DataRequired("Enter the product's name"),
            Length(max=200, message="Product name must be 200 characters or fewer"),
        ],
    )
    category = _radios(
        "What kind of product is it?",
        ProductCategory,
        "Select the kind of product",
        required=True,
    )
    intended_use = TextAreaField(
        "Intended use",
        description="Who the product is for and what it is meant to do, in plain English.",
        validators=[
            DataRequired("Describe the product's intended use"),
            Length(max=5000, message="Intended use must be 5000 characters or fewer"),
        ],
    )
    stage = _radios(
        "How far along is the product?",
        ProductStage,
        "Select how far along the product is",
        required=True,
    )
    device_class = _radios(
        "Medical device class",
        DeviceClass,
        "Select the medical device class",
        required=False,
        description=(
            "Needed for devices and diagnostics, as classed under the UK Medical Devices "
            "Regulations 2002. You can leave it blank for other kinds of product."
        ),
    )
    dtac_status = _radios(
        "DTAC assessment (optional)",
        DtacStatus,
        "Select where the product is with its DTAC assessment",
        required=False,
        description="The NHS Digital Technology Assessment Criteria, for digital products.",
    )
    esf_tier = _radios(
        "NICE evidence standards tier",
        EsfTier,
        "Select the NICE evidence standards tier",
        required=False,
        description=(
            "Needed for digital health apps, from the NICE Evidence Standards Framework "
            "(2022). You can leave it blank for other kinds of product."
        ),
    )
    regulatory_status = StringField(
        "Other regulatory status (optional)",
        description="For example, UKCA marked in 2024, or registered with the MHRA.",
        validators=[
            Optional(),
            Length(max=120, message="Regulatory status must be 120 characters or fewer"),
        ],
    )

    def details(self) -> ProductDetails:
        """The answers as plain data for the service."""
        return ProductDetails(
            name=self.name.data,
            category=self.category.data,
            intended_use=self.intended_use.data,
            regulatory_status=self.regulatory_status.data,
            profile=RegulatoryProfile(
                stage=self.stage.data,
                device_class=self.device_class.data,
                dtac_status=self.dtac_status.data,
                esf_tier=self.esf_tier.data,
            ),
        )
