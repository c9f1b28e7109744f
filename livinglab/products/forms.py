"""The product registration form (shape checks only; the service checks meaning)."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from livinglab.products.models import ProductCategory


class ProductForm(FlaskForm):
    name = StringField(
        "Product name",
        validators=[
            DataRequired("Enter the product's name"),
            Length(max=200, message="Product name must be 200 characters or fewer"),
        ],
    )
    category = RadioField(
        "What kind of product is it?",
        choices=[SelectChoice(c.value, c.label) for c in ProductCategory],
        coerce=ProductCategory,
        invalid_value_message="Select the kind of product",
        invalid_choice_message="Select the kind of product",
    )
    intended_use = TextAreaField(
        "Intended use",
        description="Who the product is for and what it is meant to do, in plain English.",
        validators=[
            DataRequired("Describe the product's intended use"),
            Length(max=5000, message="Intended use must be 5000 characters or fewer"),
        ],
    )
    regulatory_status = StringField(
        "Regulatory status (optional)",
        description="For example, UKCA class I medical device, or DTAC assessed.",
        validators=[
            Optional(),
            Length(max=120, message="Regulatory status must be 120 characters or fewer"),
        ],
    )
