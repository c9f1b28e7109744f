"""Forms for forgotten passwords, new passwords and new verification links (shape only)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from livinglab.accounts.forms import email_address_field, new_password_fields


class ForgotPasswordForm(FlaskForm):
    email = email_address_field("The address you use to sign in.")


class ResetPasswordForm(FlaskForm):
    password, confirm_password = new_password_fields(
        "New password", "Enter a new password", "Type your new password again"
    )


class ResendVerificationForm(FlaskForm):
    """Only the CSRF token: asking for a new link is a POST."""
