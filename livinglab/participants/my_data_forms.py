"""Forms for "My data" (shape checks only; the services in ``erasure`` check the rules)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from livinglab.accounts.forms import email_address_field, strip_spaces


class ContactForm(FlaskForm):
    email = email_address_field("We use this to sign you in and to contact you about your trials.")
    postcode = StringField(
        "Postcode",
        description="The registry is for people living in Dorset (BH and DT postcodes).",
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter your postcode"),
            Length(max=10, message="Enter a real postcode, like BH8 8DL"),
        ],
    )


class LeaveRegistryForm(FlaskForm):
    confirm = BooleanField(
        "I no longer want to hear about studies I might be able to join",
        validators=[DataRequired("Tick the box to confirm you want to leave the registry")],
    )


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField(
        "I understand that my account will be deleted and I will not be able to sign in again",
        validators=[DataRequired("Tick the box to confirm you want to delete your account")],
    )
