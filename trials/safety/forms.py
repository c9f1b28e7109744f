"""Forms to report and correct an adverse event (shape checks; the service checks meaning)."""

from __future__ import annotations

import enum
from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from livinglab.participants.forms import date_required
from livinglab.web.fields import DateInputField
from trials.safety.models import AdverseEvent, Outcome, Relatedness, SeriousCriterion, Severity
from trials.safety.services import DESCRIPTION_LENGTH, AdverseEventDraft


def _choices(enum_cls: type[enum.Enum]) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.label) for member in enum_cls]  # type: ignore[attr-defined]


def _radios(label: str, enum_cls: type[enum.Enum], message: str, **kwargs: Any) -> RadioField:
    return RadioField(
        label,
        choices=_choices(enum_cls),
        invalid_value_message=message,
        invalid_choice_message=message,
        **kwargs,
    )


class AdverseEventForm(FlaskForm):
    description = TextAreaField(
        "What happened",
        description="Describe the event in plain words. Do not include the participant's name.",
        validators=[
            InputRequired("Describe the adverse event"),
            Length(max=DESCRIPTION_LENGTH, message="Description must be 5000 characters or fewer"),
        ],
    )
    is_serious = RadioField(
        "Is it a serious adverse event?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        invalid_value_message="Select whether the adverse event is serious",
        invalid_choice_message="Select whether the adverse event is serious",
    )
    serious_criterion = RadioField(
        "Why is it serious?",
        description="Only if it is serious.",
        choices=_choices(SeriousCriterion),
        validate_choice=False,
        validators=[Optional()],
    )
    severity = _radios("Severity", Severity, "Select the severity")
    relatedness = _radios(
        "Is it related to the trial's product?", Relatedness, "Select how related it is"
    )
    outcome = _radios("Outcome", Outcome, "Select the outcome")
    onset_on = DateInputField(
        "Date it started",
        description="For example, 15 3 2027",
        validators=[date_required("Enter the date it started")],
    )
    resolved_on = DateInputField(
        "Date it ended",
        description="Leave empty if it has not ended.",
        validators=[Optional()],
    )

    def to_draft(self) -> AdverseEventDraft:
        criterion = self.serious_criterion.data or None
        return AdverseEventDraft(
            description=self.description.data or "",
            is_serious=self.is_serious.data == "yes",
            serious_criterion=SeriousCriterion(criterion)
            if criterion in {c.value for c in SeriousCriterion}
            else None,
            severity=Severity(self.severity.data),
            relatedness=Relatedness(self.relatedness.data),
            outcome=Outcome(self.outcome.data),
            onset_on=self.onset_on.data,
            resolved_on=self.resolved_on.data,
        )


class CorrectionForm(AdverseEventForm):
    reason = TextAreaField(
        "Reason for the correction",
        validators=[
            InputRequired("Give a reason for the correction"),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )


def correction_form(event: AdverseEvent, **kwargs: Any) -> CorrectionForm:
    """The correction form, filled in with the event as recorded."""
    kwargs.setdefault(
        "data",
        {
            "description": event.description,
            "is_serious": "yes" if event.is_serious else "no",
            "serious_criterion": event.serious_criterion.value if event.serious_criterion else "",
            "severity": event.severity.value,
            "relatedness": event.relatedness.value,
            "outcome": event.outcome.value,
            "onset_on": event.onset_on,
            "resolved_on": event.resolved_on,
        },
    )
    return CorrectionForm(**kwargs)
