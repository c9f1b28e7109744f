"""Organisation forms: registration, contact details, invitations (shape checks only)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from livinglab.accounts.forms import (
    EMAIL_SHAPE,
    email_address_field,
    new_password_fields,
    strip_spaces,
)
from livinglab.organisations.companies_house import (
    COMPANY_NUMBER_MESSAGE,
    normalise_company_number,
)
from livinglab.organisations.services import FirstUser, OrganisationContact
from livinglab.participants.services import PHONE_MESSAGE, normalise_uk_phone

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def _company_number(form: Any, field: StringField) -> None:
    if (field.data or "").strip() and normalise_company_number(field.data) is None:
        raise ValidationError(COMPANY_NUMBER_MESSAGE)


def _uk_phone(form: Any, field: StringField) -> None:
    if field.data and normalise_uk_phone(field.data) is None:
        raise ValidationError(PHONE_MESSAGE)


def contact_fields() -> tuple[TextAreaField, StringField, EmailField, StringField]:
    """The address and contact fields (to assign as ``address, contact_name, ...``).

    Made fresh for each form so the fields keep the page's order in the error summary.
    """
    address = TextAreaField(
        "Address",
        description="The registered office or the address you trade from.",
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter your organisation's address"),
            Length(max=1000, message="Address must be 1000 characters or fewer"),
        ],
    )
    contact_name = StringField(
        "Contact name",
        description="The person the Living Lab team should contact about your trials.",
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter the name of the person to contact"),
            Length(max=200, message="Contact name must be 200 characters or fewer"),
        ],
    )
    contact_email = EmailField(
        "Contact email address",
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter the contact email address"),
            Length(max=254, message="Contact email address must be 254 characters or fewer"),
            Regexp(EMAIL_SHAPE, message=EMAIL_FORMAT),
        ],
    )
    contact_phone = StringField(
        "Contact phone number",
        description="A UK landline or mobile number, like 01202 123456 or 07700 900982.",
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter the contact phone number"),
            Length(max=30, message=PHONE_MESSAGE),
            _uk_phone,
        ],
    )
    return address, contact_name, contact_email, contact_phone


class _ContactMixin:
    address: TextAreaField
    contact_name: StringField
    contact_email: EmailField
    contact_phone: StringField

    def contact(self) -> OrganisationContact:
        return OrganisationContact(
            address=self.address.data,
            contact_name=self.contact_name.data,
            contact_email=self.contact_email.data,
            contact_phone=self.contact_phone.data,
        )


class OrganisationRegistrationForm(_ContactMixin, FlaskForm):
    name = StringField(
        "Organisation name",
        description="As registered with Companies House, if it is.",
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter your organisation's name"),
            Length(max=200, message="Organisation name must be 200 characters or fewer"),
        ],
    )
    companies_house_number = StringField(
        "Companies House number (optional)",
        description=(
            "8 characters, like 01234567 or SC123456. Leave this blank if your organisation "
            "is not registered with Companies House."
        ),
        filters=[strip_spaces],
        validators=[Length(max=12, message=COMPANY_NUMBER_MESSAGE), _company_number],
    )
    address, contact_name, contact_email, contact_phone = contact_fields()
    full_name = StringField(
        "Your full name",
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    email = email_address_field(
        "You will use this to sign in. We will send you a link to check it."
    )
    password, confirm_password = new_password_fields(
        "Create a password", "Enter a password", "Type your password again"
    )

    def first_user(self) -> FirstUser:
        return FirstUser(
            full_name=self.full_name.data, email=self.email.data, password=self.password.data
        )


class ContactForm(_ContactMixin, FlaskForm):
    """The details page: members change the address and contact."""

    address, contact_name, contact_email, contact_phone = contact_fields()


class InviteForm(FlaskForm):
    email = EmailField(
        "Your colleague's email address",
        description="We will email them a link to join your organisation.",
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter your colleague's email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(EMAIL_SHAPE, message=EMAIL_FORMAT),
        ],
    )


class AcceptInvitationForm(FlaskForm):
    full_name = StringField(
        "Your full name",
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    password, confirm_password = new_password_fields(
        "Create a password", "Enter a password", "Type your password again"
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking is a POST."""
