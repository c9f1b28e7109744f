"""Forms for recording an outcome value and for the pipeline moves (shape checks only).

Randomising needs no form: the button posts only the CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from livinglab.web.fields import NumberField
from trials.consent.models import WithdrawalScope
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


def _reason(label: str, *, required: str | None = None, description: str | None = None) -> Any:
    first = InputRequired(message=required) if required else Optional()
    return TextAreaField(
        label,
        description=description,
        validators=[first, Length(max=1000, message="Reason must be 1,000 characters or fewer")],
    )


class MoveForm(FlaskForm):
    """Screening or completing: the reason is optional."""

    reason = _reason("Note (optional)")


class LostForm(FlaskForm):
    reason = _reason(
        "Why can the participant no longer be followed up?",
        required="Give the reason the participant was lost to follow-up",
        description="Their visits still scheduled are marked missed with this reason.",
    )


class WithdrawOnBehalfForm(FlaskForm):
    scope = RadioField(
        "What did the participant choose?",
        coerce=WithdrawalScope,
        invalid_value_message="Select what the participant chose",
        invalid_choice_message="Select what the participant chose",
    )
    reason = _reason(
        "Why are they withdrawing, and how did they tell you?",
        required="Give the reason the participant is withdrawing",
        description="For example, by phone on 3 March: moving out of the area.",
    )

    def offer(self, scopes: tuple[WithdrawalScope, ...]) -> WithdrawOnBehalfForm:
        """Offer only the data choices the participant can still make."""
        self.scope.choices = [SelectChoice(s.value, STAFF_SCOPE_LABELS[s]) for s in scopes]
        return self


STAFF_SCOPE_LABELS = {
    WithdrawalScope.STOP_TAKING_PART: "Stop taking part; the data already collected are used",
    WithdrawalScope.STOP_DATA_USE: "Stop taking part and leave all their data out of the results",
}
