"""A questionnaire as a form: one set of radios (or a number box) per item."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice

from livinglab.web.fields import WholeNumberField
from trials.observations.questionnaires import item_field_name
from trials.questionnaires import Instrument


class QuestionnaireForm(FlaskForm):
    instrument: Instrument

    def answers(self) -> dict[str, int | None]:
        return {item.code: self[item_field_name(item.code)].data for item in self.instrument.items}

    def item_fields(self) -> list:
        return [self[item_field_name(item.code)] for item in self.instrument.items]


def questionnaire_form(instrument: Instrument, **kwargs: Any) -> QuestionnaireForm:
    """A form for ``instrument``; answers are checked and scored by the service."""
    attrs: dict[str, Any] = {"instrument": instrument}
    for item in instrument.items:
        if item.value_range is not None:
            low, high = item.value_range
            attrs[item_field_name(item.code)] = WholeNumberField(
                item.text,
                message=f"Enter a whole number from {low} to {high}",
                description=f"A whole number from {low} to {high}.",
            )
        else:
            attrs[item_field_name(item.code)] = RadioField(
                item.text,
                choices=[SelectChoice(str(o.value), o.label) for o in item.options],
                coerce=int,
                validate_choice=False,
                invalid_value_message="Select one of the answers",
            )
    form_class = type(f"{instrument.code.title()}Form", (QuestionnaireForm,), attrs)
    return form_class(**kwargs)
