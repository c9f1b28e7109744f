"""The form for stopping taking part in a trial (shape checks only)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import Length, Optional

from trials.consent.models import WithdrawalScope

SCOPE_LABELS = {
    WithdrawalScope.STOP_TAKING_PART: (
        "Stop taking part, but let the researchers use the information already collected"
    ),
    WithdrawalScope.STOP_DATA_USE: (
        "Stop taking part, and do not use any of my information in the trial results"
    ),
}


class WithdrawalForm(FlaskForm):
    scope = RadioField(
        "What would you like to stop?",
        coerce=WithdrawalScope,
        invalid_value_message="Select what you would like to stop",
        invalid_choice_message="Select what you would like to stop",
    )
    reason = TextAreaField(
        "Why are you stopping? (optional)",
        description="You do not have to give a reason. It helps us improve future trials.",
        validators=[
            Optional(),
            Length(max=1000, message="Reason must be 1,000 characters or fewer"),
        ],
    )

    def offer(self, scopes: tuple[WithdrawalScope, ...]) -> WithdrawalForm:
        """Offer only the ``scopes`` the participant has not already chosen."""
        self.scope.choices = [SelectChoice(s.value, SCOPE_LABELS[s]) for s in scopes]
        return self
