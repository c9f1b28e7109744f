"""The volunteer registry sign-up form (shape checks only; the service checks the rules)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    Regexp,
    StopValidation,
    ValidationError,
)

from livinglab.participants.models import Sex
from livinglab.web.fields import DateInputField, date_in_past

MIN_PASSWORD_LENGTH = 12
#: A shape check only (something@domain.tld); whether the address works is not checked here.
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"


def date_required(message: str) -> Any:
    """Like DataRequired for a date, but keeps the field's own "must include a month" error."""

    def check(form: Any, field: DateInputField) -> None:
        if field.data is None:
            if not field.errors:
                field.errors.append(message)
            raise StopValidation()

    return check


def password_length(form: Any, field: PasswordField) -> None:
    if field.data and len(field.data) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be {MIN_PASSWORD_LENGTH} characters or more")
    if field.data and len(field.data) > 200:
        raise ValidationError("Password must be 200 characters or fewer")


class RegistrationForm(FlaskForm):
    full_name = StringField(
        "Full name",
        description="You will type this name to sign consent forms.",
        validators=[
            DataRequired("Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        description="We will only use this to contact you about the registry and studies.",
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(
                EMAIL_SHAPE,
                message="Enter an email address in the correct format, like name@example.com",
            ),
        ],
    )
    password = PasswordField(
        "Create a password",
        description=f"Use at least {MIN_PASSWORD_LENGTH} characters. A few random words work well.",
        validators=[DataRequired("Enter a password"), password_length],
    )
    confirm_password = PasswordField(
        "Type your password again",
        validators=[
            DataRequired("Type your password again"),
            EqualTo("password", message="The passwords do not match"),
        ],
    )
    date_of_birth = DateInputField(
        "Date of birth",
        description="For example, 15 3 1964",
        validators=[date_required("Enter your date of birth"), date_in_past()],
        render_kw={"autocomplete": "bday"},
    )
    sex = RadioField(
        "Sex",
        description="We ask so that studies include a fair mix of people.",
        choices=[SelectChoice(sex.value, sex.label) for sex in Sex],
        coerce=Sex,
        invalid_value_message="Select your sex, or prefer not to say",
        invalid_choice_message="Select your sex, or prefer not to say",
    )
    postcode = StringField(
        "Postcode",
        description="The registry is for people living in Dorset (BH and DT postcodes).",
        validators=[
            DataRequired("Enter your postcode"),
            Length(max=10, message="Enter a real postcode, like BH8 8DL"),
        ],
    )
    registry_opt_in = BooleanField("Contact me about studies I might be able to join")
