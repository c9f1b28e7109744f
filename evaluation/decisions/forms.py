"""The adoption decision form (shape checks only; the service checks meaning)."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length

from evaluation.decisions.models import DecisionOutcome


class DecisionForm(FlaskForm):
    outcome = RadioField(
        "Adoption decision",
        choices=[SelectChoice(outcome, outcome.label) for outcome in DecisionOutcome],
        coerce=DecisionOutcome,
        invalid_value_message="Select a decision from the list",
        invalid_choice_message="Select the adoption decision",
    )
    reasons = TextAreaField(
        "Reasons for the decision",
        description=(
            "Refer to the effect against the minimal important difference, its confidence "
            "interval, safety and how well the participants represent Dorset."
        ),
        validators=[
            DataRequired("Give the reasons for the decision"),
            Length(max=5000, message="Reasons must be 5000 characters or fewer"),
        ],
    )
