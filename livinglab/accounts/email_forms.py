"""Forms for forgotten passwords, new passwords and new verification links (shape only)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from livinglab.accounts.tokens import MIN_PASSWORD_LENGTH

MAX_PASSWORD_LENGTH = 200
#: A shape check only (something@domain.tld); whether the address works is not checked here.
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"


def password_length(form: Any, field: PasswordField) -> None:
    if field.data and len(field.data) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be {MIN_PASSWORD_LENGTH} characters or more")
    if field.data and len(field.data) > MAX_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer")


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email address",
        description="The address you use to sign in.",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(
                EMAIL_SHAPE,
                message="Enter an email address in the correct format, like name@example.com",
            ),
        ],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        description=f"Use at least {MIN_PASSWORD_LENGTH} characters. A few random words work well.",
        validators=[DataRequired("Enter a new password"), password_length],
    )
    confirm_password = PasswordField(
        "Type your new password again",
        validators=[
            DataRequired("Type your new password again"),
            EqualTo("password", message="The passwords do not match"),
        ],
    )


class ResendVerificationForm(FlaskForm):
    """Only the CSRF token: asking for a new link is a POST."""
