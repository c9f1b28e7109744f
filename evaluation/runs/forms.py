"""The lock form (shape checks only); running the analysis needs only the CSRF token."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional


class LockForm(FlaskForm):
    reason = TextAreaField(
        "Note for the audit trail (optional)",
        description="For example, the date the last follow-up visit was completed.",
        validators=[Optional(), Length(max=2000, message="Note must be 2000 characters or fewer")],
    )
