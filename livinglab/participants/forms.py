"""The volunteer registry sign-up form (shape checks only; the service checks the rules)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    StopValidation,
    ValidationError,
)

from livinglab.accounts.forms import email_address_field, new_password_fields
from livinglab.participants.ethnicity import ETHNIC_GROUPS, ETHNIC_SECTIONS, NOT_SAID
from livinglab.participants.models import ContactMethod, Sex
from livinglab.participants.nhs_number import NHS_NUMBER_MESSAGE, is_valid_nhs_number
from livinglab.participants.services import (
    PHONE_MESSAGE,
    DigitalAccess,
    RegistryProfile,
    normalise_uk_phone,
)
from livinglab.web.fields import DateInputField, date_in_past

#: A shape check only (something@domain.tld); whether the address works is not checked here.


def date_required(message: str) -> Any:
    """Like DataRequired for a date, but keeps the field's own "must include a month" error."""

    def check(form: Any, field: DateInputField) -> None:
        if field.data is None:
            if not field.errors:
                field.errors.append(message)
            raise StopValidation()

    return check


def phone_if_chosen(form: Any, field: StringField) -> None:
    """The phone number is needed (and checked) only when phone is the chosen contact."""
    if form.contact_method.data is not ContactMethod.PHONE:
        field.errors.clear()
        raise StopValidation()
    if not (field.data or "").strip():
        raise StopValidation("Enter your phone number, or choose another way to contact you")
    if normalise_uk_phone(field.data) is None:
        raise ValidationError(PHONE_MESSAGE)


def nhs_number_check(form: Any, field: StringField) -> None:
    if (field.data or "").strip() and not is_valid_nhs_number(field.data):
        raise ValidationError(NHS_NUMBER_MESSAGE)


def none_alone(form: Any, field: SelectMultipleField) -> None:
    if NO_DIGITAL_ACCESS in (field.data or []) and len(field.data) > 1:
        raise ValidationError("Select the things you have, or select none of these, not both")


def ethnic_group_check(form: Any, field: RadioField) -> None:
    if field.data is not None and field.data not in ETHNIC_GROUPS:
        raise ValidationError("Select your ethnic group, or prefer not to say")


def optional_text(value: Any) -> str | None:
    """Coerce for optional radios: no answer stays ``None`` (``str`` would make it "None")."""
    return None if value is None else str(value)


NO_DIGITAL_ACCESS = "none"
DIGITAL_ACCESS_CHOICES = (
    SelectChoice("smartphone", "A smartphone"),
    SelectChoice("computer_or_tablet", "A computer or tablet"),
    SelectChoice("home_internet", "Internet at home"),
    SelectChoice(NO_DIGITAL_ACCESS, "None of these"),
)


class RegistrationForm(FlaskForm):
    #: The ethnic group radios are shown under the five ONS headings.
    ethnic_sections = ETHNIC_SECTIONS

    full_name = StringField(
        "Full name",
        description="You will type this name to sign consent forms.",
        validators=[
            DataRequired("Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    email = email_address_field(
        "We will only use this to contact you about the registry and studies."
    )
    password, confirm_password = new_password_fields(
        "Create a password", "Enter a password", "Type your password again"
    )
    date_of_birth = DateInputField(
        "Date of birth",
        description="For example, 15 3 1964",
        validators=[date_required("Enter your date of birth"), date_in_past()],
        render_kw={"autocomplete": "bday"},
    )
    sex = RadioField(
        "Sex",
        description="We ask so that studies include a fair mix of people.",
        choices=[SelectChoice(sex.value, sex.label) for sex in Sex],
        coerce=Sex,
        invalid_value_message="Select your sex, or prefer not to say",
        invalid_choice_message="Select your sex, or prefer not to say",
    )
    postcode = StringField(
        "Postcode",
        description="The registry is for people living in Dorset (BH and DT postcodes).",
        validators=[
            DataRequired("Enter your postcode"),
            Length(max=10, message="Enter a real postcode, like BH8 8DL"),
        ],
    )
    contact_method = RadioField(
        "How would you like us to contact you?",
        choices=[SelectChoice(method.value, method.label) for method in ContactMethod],
        coerce=ContactMethod,
        invalid_value_message="Select how you would like us to contact you",
        invalid_choice_message="Select how you would like us to contact you",
    )
    phone = StringField(
        "Phone number",
        description="A UK landline or mobile number, like 01202 123456 or 07700 900982.",
        validators=[phone_if_chosen],
    )
    nhs_number = StringField(
        "NHS number (optional)",
        description=(
            "A 10 digit number, like 943 476 5919. It is on letters from the NHS and in the "
            "NHS App. Leave this blank if you do not know it."
        ),
        validators=[
            Length(max=20, message=NHS_NUMBER_MESSAGE),
            nhs_number_check,
        ],
    )
    conditions = SelectMultipleField(
        "Do you live with any of these conditions?",
        description=(
            "Select all that apply, or leave them all blank. This helps us tell you about "
            "studies that might suit you."
        ),
        choices=[],
        invalid_choice_message="Select conditions from the list",
    )
    digital_access = SelectMultipleField(
        "Which of these do you have?",
        description="Some studies use apps or websites. Select all that apply.",
        choices=list(DIGITAL_ACCESS_CHOICES),
        invalid_choice_message="Select the things you have from the list",
        validators=[none_alone],
    )
    ethnic_group = RadioField(
        "What is your ethnic group? (optional)",
        description=(
            "We use this only to check that studies include a fair mix of people. "
            "It is never used to decide whether you can join a study."
        ),
        choices=[SelectChoice(code, label) for code, label in ETHNIC_GROUPS.items()],
        coerce=optional_text,
        validate_choice=False,
        validators=[ethnic_group_check],
    )
    registry_opt_in = BooleanField("Contact me about studies I might be able to join")

    def registry_profile(self) -> RegistryProfile:
        """The answers beyond the account, as plain data for the service."""
        method = self.contact_method.data
        return RegistryProfile(
            contact_method=method,
            phone=self.phone.data if method is ContactMethod.PHONE else None,
            nhs_number=(self.nhs_number.data or "").strip() or None,
            condition_codes=frozenset(self.conditions.data or ()),
            digital_access=self._digital_access(),
            ethnic_group=self.ethnic_group.data,
        )

    def _digital_access(self) -> DigitalAccess | None:
        ticked = set(self.digital_access.data or ())
        if not ticked:
            return None
        return DigitalAccess(
            has_smartphone="smartphone" in ticked,
            has_computer_or_tablet="computer_or_tablet" in ticked,
            has_home_internet="home_internet" in ticked,
        )

    def ethnic_group_sections(self) -> list[tuple[str, str, list[dict[str, Any]]]]:
        """(id prefix, heading, radio items) for each ONS heading, then "Prefer not to say"."""
        chosen = self.ethnic_group.data
        sections = [
            (
                self.ethnic_group.id if index == 0 else f"{self.ethnic_group.id}-{section.code}",
                section.label,
                [
                    {"value": c, "text": label, "checked": c == chosen}
                    for c, label in section.groups
                ],
            )
            for index, section in enumerate(self.ethnic_sections)
        ]
        not_said = {
            "value": NOT_SAID,
            "text": ETHNIC_GROUPS[NOT_SAID],
            "checked": chosen == NOT_SAID,
        }
        sections.append((f"{self.ethnic_group.id}-{NOT_SAID}", "", [not_said]))
        return sections
