"""Sign-in form, and the email and new-password fields every account form shares."""

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

#: Passwords are long rather than complicated (NCSC guidance: three random words).
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
#: Something@something.something: the shape check; the address is proved by its link.
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"


def strip_spaces(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _password_length(form: Any, field: PasswordField) -> None:
    if field.data and len(field.data) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be {MIN_PASSWORD_LENGTH} characters or more")
    if field.data and len(field.data) > MAX_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer")


def email_address_field(description: str) -> EmailField:
    return EmailField(
        "Email address",
        description=description,
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(
                EMAIL_SHAPE,
                message="Enter an email address in the correct format, like name@example.com",
            ),
        ],
    )


def new_password_fields(
    label: str, required: str, again_label: str
) -> tuple[PasswordField, PasswordField]:
    """A new password and its confirmation (to assign as ``password, confirm_password``)."""
    password = PasswordField(
        label,
        description=f"Use at least {MIN_PASSWORD_LENGTH} characters. A few random words work well.",
        validators=[DataRequired(required), _password_length],
    )
    confirm = PasswordField(
        again_label,
        validators=[
            DataRequired(again_label),
            EqualTo("password", message="The passwords do not match"),
        ],
    )
    return password, confirm


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password"), Length(max=200)]
    )


class LogoutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST."""
