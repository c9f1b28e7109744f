"""Forms to lock and unlock a trial's data (shape checks; the service checks meaning)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

NOTE_LENGTH = 2000


class LockDataForm(FlaskForm):
    note = TextAreaField(
        "Note for the audit trail (optional)",
        description="For example, the date the last follow-up visit was completed.",
        validators=[
            Optional(),
            Length(max=NOTE_LENGTH, message="Note must be 2000 characters or fewer"),
        ],
    )


class UnlockDataForm(FlaskForm):
    reason = TextAreaField(
        "Why do the data need to be unlocked?",
        description="For example, which values were found to be wrong. "
        "This goes in the audit trail.",
        validators=[
            InputRequired("Enter why the data need to be unlocked"),
            Length(max=NOTE_LENGTH, message="Reason must be 2000 characters or fewer"),
        ],
    )
