"""Forms for recording a visit as attended or missed (shape checks only)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from livinglab.participants.forms import date_required
from livinglab.web.fields import DateInputField


class AttendedForm(FlaskForm):
    attended_on = DateInputField(
        "Date attended",
        description="For example, 15 3 2027. It cannot be in the future.",
        validators=[date_required("Enter the date the participant attended")],
    )


class MissedForm(FlaskForm):
    reason = TextAreaField(
        "Why was the visit missed?",
        description="For example, unwell and could not travel. Do not include names.",
        validators=[
            InputRequired(message="Give the reason the visit was missed"),
            Length(max=1000, message="Reason must be 1,000 characters or fewer"),
        ],
    )
