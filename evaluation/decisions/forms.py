"""The adoption decision form (shape checks only; the service checks meaning)."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from evaluation.decisions.evidence import Certainty, TierReached
from evaluation.decisions.models import DecisionOutcome

#: Longest public summary: it is emailed to participants and shown on the trial's page.
SUMMARY_MAX = 1500


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
    nice_tier = RadioField(
        "NICE evidence tier the trial reaches",
        description="The NICE Evidence Standards Framework tier that this evidence meets.",
        choices=[SelectChoice(tier, tier.label) for tier in TierReached],
        coerce=TierReached,
        invalid_value_message="Select a tier from the list",
        invalid_choice_message="Select the NICE evidence tier the trial reaches",
    )
    certainty = RadioField(
        "Certainty of the evidence",
        description="How sure we can be of the primary result. The evidence pack suggests one.",
        choices=[SelectChoice(level, level.label) for level in Certainty],
        coerce=Certainty,
        invalid_value_message="Select a certainty from the list",
        invalid_choice_message="Select the certainty of the evidence",
    )
    conditions = TextAreaField(
        "Conditions of adoption",
        description="Needed when the decision is to adopt with conditions; ignored otherwise.",
        validators=[
            Optional(),
            Length(max=3000, message="Conditions must be 3000 characters or fewer"),
        ],
    )
    cost_note = TextAreaField(
        "Cost note (optional)",
        description=(
            "What the product would cost the NHS in Dorset, and where the figure comes from."
        ),
        validators=[
            Optional(),
            Length(max=3000, message="Cost note must be 3000 characters or fewer"),
        ],
    )
    public_summary = TextAreaField(
        "Summary for the public",
        description=(
            "Written for the residents who took part and the public: what was tested, what "
            "was found and what happens next, in plain English with no jargon or numbers "
            "they would need training to read. It is emailed to everyone who took part and "
            "shown on the trial's public page."
        ),
        validators=[
            DataRequired("Write a summary for the public"),
            Length(
                max=SUMMARY_MAX,
                message=f"Summary for the public must be {SUMMARY_MAX} characters or fewer",
            ),
        ],
    )
