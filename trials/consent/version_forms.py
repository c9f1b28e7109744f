"""Forms for staff editing and approving consent-form versions, and for declining a new one.

Shape checks only; the services in :mod:`trials.consent.drafts` and
:mod:`trials.consent.versions` enforce the same rules and their errors go back on fields.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from livinglab.web.fields import WholeNumberField
from trials.consent.drafts import (
    MAX_EXPLANATION,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTION,
    MAX_SHEET,
    MAX_STATEMENT,
    MIN_OPTIONS,
    options_from_lines,
)
from trials.consent.models import ComprehensionQuestion, ConsentChange, ConsentStatement
from trials.consent.versions import MAX_SUMMARY


def _too_long(name: str, limit: int) -> Length:
    return Length(max=limit, message=f"{name} must be {limit:,} characters or fewer")


class InformationSheetForm(FlaskForm):
    information_sheet = TextAreaField(
        "Information for participants",
        description="Plain English. Leave a blank line between paragraphs.",
        validators=[
            DataRequired("Enter the information for participants"),
            _too_long("Information for participants", MAX_SHEET),
        ],
    )


REQUIREMENT_CHOICES = [
    SelectChoice("required", "Required: participants must agree to it to take part"),
    SelectChoice("optional", "Optional: participants can take part whatever they choose"),
]


class StatementForm(FlaskForm):
    text = TextAreaField(
        "Statement",
        description="Write it as the participant would say it, for example "
        "\u201cI agree to take part in this trial.\u201d",
        validators=[DataRequired("Enter the statement"), _too_long("Statement", MAX_STATEMENT)],
    )
    requirement = RadioField(
        "Do participants have to agree to this statement?",
        choices=REQUIREMENT_CHOICES,
        invalid_value_message="Select whether participants have to agree to this statement",
        invalid_choice_message="Select whether participants have to agree to this statement",
    )

    @classmethod
    def of(cls, statement: ConsentStatement) -> StatementForm:
        return cls(
            data={
                "text": statement.text,
                "requirement": "required" if statement.is_required else "optional",
            }
        )

    @property
    def is_required(self) -> bool:
        return self.requirement.data == "required"


class QuestionForm(FlaskForm):
    text = TextAreaField(
        "Question",
        validators=[DataRequired("Enter the question"), _too_long("Question", MAX_QUESTION)],
    )
    options = TextAreaField(
        "Answers to choose from",
        description=f"One answer per line, {MIN_OPTIONS} to {MAX_OPTIONS} answers.",
        validators=[DataRequired("Enter the answers to choose from, one per line")],
    )
    correct_option = WholeNumberField(
        "Number of the right answer",
        description="1 for the answer on the first line, 2 for the second, and so on.",
        message="Number of the right answer must be a whole number, like 2",
        validators=[InputRequired("Enter the number of the right answer")],
    )
    explanation = TextAreaField(
        "Explanation shown after a wrong answer",
        description="So that the participant learns the point before they agree.",
        validators=[
            DataRequired("Enter the explanation shown after a wrong answer"),
            _too_long("Explanation", MAX_EXPLANATION),
        ],
    )

    @classmethod
    def of(cls, question: ComprehensionQuestion) -> QuestionForm:
        return cls(
            data={
                "text": question.text,
                "options": "\n".join(question.options),
                "correct_option": question.correct_option + 1,
                "explanation": question.explanation,
            }
        )

    def option_list(self) -> list[str]:
        return options_from_lines(self.options.data or "")

    def correct_index(self) -> int | None:
        """The right answer as an index into :meth:`option_list` (the form counts from 1)."""
        return None if self.correct_option.data is None else self.correct_option.data - 1

    def validate_options(self, field: Any) -> None:
        answers = self.option_list()
        if not MIN_OPTIONS <= len(answers) <= MAX_OPTIONS:
            raise ValidationError(
                f"Enter between {MIN_OPTIONS} and {MAX_OPTIONS} answers, one per line"
            )
        if any(len(answer) > MAX_OPTION for answer in answers):
            raise ValidationError(f"Each answer must be {MAX_OPTION} characters or fewer")

    def validate_correct_option(self, field: Any) -> None:
        count = len(self.option_list())
        if field.data is not None and count and not 1 <= field.data <= count:
            raise ValidationError(f"Enter the number of the right answer, from 1 to {count}")


class MoveForm(FlaskForm):
    """Move a statement or question one place up or down."""

    direction = HiddenField(validators=[InputRequired("Choose whether to move it up or down")])


class ActionForm(FlaskForm):
    """A button that changes something (create, remove): only the CSRF token."""


#: The hint under each choice, shown by the template.
CHANGE_HINTS = {
    ConsentChange.MINOR.value: "For example a typo or new contact details. Participants are "
    "told; nothing stops them taking part.",
    ConsentChange.MAJOR.value: "For example a new risk or procedure. Participants must read "
    "it and agree again before their next study activity.",
}


class ApproveVersionForm(FlaskForm):
    change_kind = RadioField(
        "How big is the change?",
        choices=[SelectChoice(kind.value, kind.label) for kind in ConsentChange],
        invalid_value_message="Select whether this is a minor or a major change",
        invalid_choice_message="Select whether this is a minor or a major change",
    )
    change_summary = TextAreaField(
        "Summary of changes for participants",
        description="Plain words: participants see this in their email and on My trials.",
        validators=[
            DataRequired("Describe what changed, in plain words for participants"),
            _too_long("Summary of changes", MAX_SUMMARY),
        ],
    )


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why do you not want to carry on? (optional)",
        description="You do not have to give a reason. It helps us improve future trials.",
        validators=[
            Optional(),
            Length(max=1000, message="Reason must be 1,000 characters or fewer"),
        ],
    )
