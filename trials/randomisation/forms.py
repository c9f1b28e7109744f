"""The emergency unblinding form (shape checks only; the service checks meaning)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from trials.randomisation.unblinding import REASON_LENGTH


class UnblindForm(FlaskForm):
    reason = TextAreaField(
        "Reason for unblinding",
        description="For example, the clinical emergency that needs the allocation. "
        "It is recorded and cannot be changed.",
        validators=[
            DataRequired("Give the reason for unblinding"),
            Length(
                max=REASON_LENGTH,
                message=f"Reason must be {REASON_LENGTH} characters or fewer",
            ),
        ],
    )
    confirm = BooleanField(
        "I understand that this reveals the participant's arm and is recorded",
        validators=[DataRequired("Confirm that you want to unblind this participant")],
    )
