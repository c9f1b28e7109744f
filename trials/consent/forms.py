"""The consent form a participant signs, built per request from the approved version.

Shape checks live here (a site chosen from the list, a name typed, each required statement
ticked, so every problem shows at once); the consent service enforces the same rules and
checks the typed name against the account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from trials.consent.models import ComprehensionQuestion, ConsentForm, ConsentStatement
from trials.consent.services import wrong_answer_message
from trials.proposals.models import TrialSite

#: The consent service refuses with the same words.
REQUIRED_STATEMENT = "You must agree to this statement to take part"


def statement_field_name(statement: ConsentStatement) -> str:
    return f"statement_{statement.id}"


def question_field_name(question: ComprehensionQuestion) -> str:
    return f"question_{question.id}"


class SignConsentForm(FlaskForm):
    """Base class: ``build_sign_form`` adds one checkbox per statement, then site and name."""

    statements: list[ConsentStatement] = []
    questions: list[ComprehensionQuestion] = []

    #: "yes" once the participant has seen the check-your-answers page and confirms.
    confirmed = HiddenField()

    def statement_fields(self) -> list[tuple[ConsentStatement, BooleanField]]:
        return [(s, self[statement_field_name(s)]) for s in self.statements]

    def question_fields(self) -> list[tuple[ComprehensionQuestion, RadioField]]:
        return [(q, self[question_field_name(q)]) for q in self.questions]

    def comprehension(self) -> dict[int, int]:
        """Question id -> the option chosen, for the questions answered."""
        return {q.id: field.data for q, field in self.question_fields() if field.data is not None}

    def answers(self) -> dict[int, bool]:
        """Statement id -> ticked, for every statement on the form."""
        return {s.id: bool(field.data) for s, field in self.statement_fields()}

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for statement, field in self.statement_fields():
            if statement.is_required and not field.data:
                field.errors.append(REQUIRED_STATEMENT)
                valid = False
        for question, field in self.question_fields():
            if field.data is not None and field.data != question.correct_option:
                field.errors.append(wrong_answer_message(question))
                valid = False
        return valid


def _site_label(trial_site: TrialSite) -> str:
    site = trial_site.site
    return f"{site.name}, {site.location}" if site.location else site.name


def build_sign_form(
    consent_form: ConsentForm, sites: Iterable[TrialSite], **kwargs: Any
) -> SignConsentForm:
    """A form class made for this consent-form version: fields in the order shown on the page."""
    statements = list(consent_form.statements)
    questions = list(consent_form.questions)
    attrs: dict[str, Any] = {"statements": statements, "questions": questions}
    for statement in statements:
        # Unticked by default: consent is an active choice, never pre-filled.
        attrs[statement_field_name(statement)] = BooleanField(statement.text, default=False)
    for question in questions:
        attrs[question_field_name(question)] = RadioField(
            question.text,
            choices=[SelectChoice(str(i), text) for i, text in enumerate(question.options)],
            coerce=int,
            invalid_value_message="Select an answer",
            invalid_choice_message="Select an answer",
        )
    attrs["site_id"] = RadioField(
        "Where would you like to take part?",
        choices=[SelectChoice(str(ts.site_id), _site_label(ts)) for ts in sites],
        coerce=int,
        invalid_value_message="Select where you would like to take part",
        invalid_choice_message="Select where you would like to take part",
    )
    attrs["typed_name"] = StringField(
        "Your full name",
        description=(
            "Type your full name, as it appears on your account. "
            "This is your signature on the consent form."
        ),
        validators=[
            DataRequired("Type your full name to sign the consent form"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    form_class = type("SignConsentFormForVersion", (SignConsentForm,), attrs)
    return form_class(**kwargs)


class FinderFilterForm(FlaskForm):
    """The public trial finder's filters (a GET form: it changes nothing, so no CSRF)."""

    class Meta:
        csrf = False

    site = SelectField("Where would you like to take part?", validate_choice=True)
    condition = SelectField(
        "Health condition",
        description="Show trials for people who live with this condition.",
        validate_choice=True,
    )
    ics_outcome = SelectField(
        "Dorset health goal",
        description="The NHS in Dorset has 5 goals for improving health. "
        "Show trials that work towards one of them.",
        validate_choice=True,
    )
