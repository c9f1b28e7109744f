"""The sample-size calculator's form: shape checks, then the pure calculation."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from livinglab.web.fields import NumberField
from trials.proposals import sample_size
from trials.proposals.models import Trial
from trials.proposals.sample_size import SampleSize

MEANS, PROPORTIONS = "means", "proportions"

#: Fields each kind of outcome needs, with the message when one is left empty.
NEEDED = {
    MEANS: {
        "mid": "Enter the difference the trial should detect",
        "sd": "Enter the standard deviation",
    },
    PROPORTIONS: {
        "control_percent": "Enter the percentage expected in the control arm",
        "intervention_percent": "Enter the percentage expected in the intervention arm",
    },
}


def _number(label: str, description: str, example: str, **kwargs: Any) -> NumberField:
    return NumberField(
        label,
        validators=kwargs.pop("validators", [Optional()]),
        message=f"{label} must be a number, like {example}",
        description=description,
        **kwargs,
    )


class SampleSizeForm(FlaskForm):
    outcome_type = RadioField(
        "What kind of primary outcome is it?",
        choices=[
            SelectChoice(MEANS, "A measurement, like seconds or a score (compare the means)"),
            SelectChoice(PROPORTIONS, "Yes or no, like whether someone fell (compare percentages)"),
        ],
        validators=[InputRequired("Select what kind of primary outcome it is")],
        invalid_choice_message="Select what kind of primary outcome it is",
        default=MEANS,
    )
    mid = _number(
        "Difference to detect",
        "The minimal important difference, in the outcome's unit.",
        "1.5",
    )
    sd = _number(
        "Standard deviation",
        "How much the outcome varies between people, in the same unit, from earlier studies.",
        "4",
    )
    control_percent = _number(
        "Percentage expected in the control arm", "For example, 50 for half of them.", "50"
    )
    intervention_percent = _number(
        "Percentage expected in the intervention arm", "For example, 35.", "35"
    )
    ratio = _number(
        "Allocation ratio",
        "Participants in the intervention arm for each one in the control arm. Your trial "
        "allocates 1:1, so this is usually 1.",
        "1",
        validators=[
            InputRequired("Enter the allocation ratio"),
            NumberRange(0.25, 4, "The allocation ratio must be between 0.25 and 4"),
        ],
        default=1,
    )
    dropout = _number(
        "Expected drop-out (%)",
        "The percentage of participants you expect to leave before the follow-up visit.",
        "10",
        validators=[
            InputRequired("Enter the expected drop-out, or 0"),
            NumberRange(0, 50, "Expected drop-out must be between 0%% and 50%%"),
        ],
        default=10,
    )
    alpha = RadioField(
        "Significance level (two-sided)",
        choices=[SelectChoice("0.05", "5% (usual)"), SelectChoice("0.01", "1%")],
        validators=[InputRequired("Select the significance level")],
        invalid_choice_message="Select the significance level",
        default="0.05",
    )
    power = RadioField(
        "Power",
        choices=[SelectChoice("0.8", "80% (usual)"), SelectChoice("0.9", "90%")],
        validators=[InputRequired("Select the power")],
        invalid_choice_message="Select the power",
        default="0.8",
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for name, message in NEEDED.get(self.outcome_type.data or "", {}).items():
            if self[name].data is None and not self[name].errors:
                self[name].errors.append(message)
                valid = False
        return valid

    def hidden_values(self) -> dict[str, str]:
        """The values as typed, to post again from the "use this as the target" button."""
        return {
            field.name: field.raw_data[0]
            for field in self
            if field.raw_data and field.name != "csrf_token"
        }

    def calculate(self, unit: str = "") -> SampleSize:
        """The answer for the validated values.

        Raises:
            sample_size.SampleSizeError: a value the calculation cannot use.
        """
        common = {
            "alpha": float(self.alpha.data),
            "power": float(self.power.data),
            "ratio": self.ratio.data,
            "dropout": self.dropout.data / 100,
        }
        if self.outcome_type.data == PROPORTIONS:
            return sample_size.for_proportions(
                self.control_percent.data / 100, self.intervention_percent.data / 100, **common
            )
        return sample_size.for_means(self.mid.data, self.sd.data, unit=unit, **common)


def sample_size_form(trial: Trial, **kwargs: Any) -> SampleSizeForm:
    """The calculator, starting from the primary outcome's minimal important difference."""
    measure = trial.primary_measure
    if measure is not None and measure.minimal_important_difference is not None:
        kwargs.setdefault("mid", measure.minimal_important_difference)
    return SampleSizeForm(**kwargs)
