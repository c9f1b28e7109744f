"""The form for recording an outcome value (shape checks only; the service checks meaning).

Randomising needs no form: the button posts only the CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import Length, Optional, StopValidation

from livinglab.web.fields import NumberField
from trials.proposals.models import TrialVisit

NOT_A_NUMBER = "Enter the value as a number, like 12.5"


def _value_required(form: Any, field: NumberField) -> None:
    if field.process_errors:
        raise StopValidation()  # the "not a number" message is already there
    if field.data is None:
        raise StopValidation(NOT_A_NUMBER)


class ObservationForm(FlaskForm):
    visit_id = RadioField(
        "Visit",
        coerce=int,
        validate_choice=True,
        invalid_value_message="Select the visit",
        invalid_choice_message="Select the visit",
    )
    value = NumberField("Value", validators=[_value_required], message=NOT_A_NUMBER)
    reason = TextAreaField(
        "Reason for the correction",
        description="Only needed when you change a value that is already recorded.",
        validators=[
            Optional(),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )

    def __init__(self, *args: Any, visits: Iterable[TrialVisit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visit_id.choices = [SelectChoice(v.id, v.name) for v in visits]
