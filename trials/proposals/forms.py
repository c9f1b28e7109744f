"""The trial proposal form (shape checks only; the service checks meaning).

Sites, ICS outcomes and conditions are rows, so :func:`proposal_form` builds the form with
one target box per active site and the checkbox choices of the day. Everything after the
design may be left empty in a draft; the proposal page lists what submission needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from livinglab.products.models import Product
from livinglab.sites.models import Site
from livinglab.web.fields import DateInputField, NumberField, WholeNumberField
from trials.proposals.criteria import (
    DIGITAL_NEEDS,
    MAX_AGE,
    MIN_AGE,
    SEX_WORDS,
    EligibilityDraft,
    postcode_code_problem,
    split_postcode_codes,
)
from trials.proposals.models import Trial
from trials.proposals.services import (
    MAX_SITE_TARGET,
    MAX_VISIT_WINDOW,
    PrimaryOutcome,
    ProposalDraft,
)


@dataclass(frozen=True)
class ProposalChoices:
    """The rows the form offers: the organisation's products, sites, outcomes, conditions."""

    products: Sequence[Product]
    sites: Sequence[Site]
    ics_outcomes: Sequence[SelectChoice] = ()
    conditions: Sequence[SelectChoice] = ()


def _text(label: str, required: str, max_length: int, **kwargs) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(required),
            Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"),
        ],
        **kwargs,
    )


def _draft_text(label: str, description: str) -> TextAreaField:
    """Free text a draft may leave empty (submission needs it)."""
    return TextAreaField(
        label,
        description=description,
        validators=[Length(max=5000, message=f"{label} must be 5000 characters or fewer")],
    )


def _checkboxes(label: str, description: str, message: str, choices=()) -> SelectMultipleField:
    return SelectMultipleField(
        label, description=description, choices=list(choices), invalid_choice_message=message
    )


def _id_or_zero(value: object) -> int:
    """Coerce a submitted id; anything that is not a positive whole number becomes 0."""
    try:
        number = int(str(value))
    except ValueError:
        return 0
    return max(number, 0)


def _number(label: str, required: str | None, **kwargs) -> NumberField:
    presence = [InputRequired(required)] if required else [Optional()]
    return NumberField(
        label,
        validators=presence,
        message=f"{label.removesuffix(' (optional)')} must be a number, like 12.5",
        **kwargs,
    )


def _age(label: str) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[
            Optional(),
            NumberRange(MIN_AGE, MAX_AGE, f"{label} must be between {MIN_AGE} and {MAX_AGE}"),
        ],
        message=f"{label} must be a whole number, like 65",
        description=f"Between {MIN_AGE} and {MAX_AGE}: the registry is for adults.",
    )


def _window(label: str, default: int) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[
            Optional(),
            NumberRange(
                0,
                MAX_VISIT_WINDOW,
                f"A visit window must be between 0 and {MAX_VISIT_WINDOW} days",
            ),
        ],
        message=f"{label} must be a whole number, like 7",
        description="Days either side of the planned day. 0 means on the day itself.",
        default=default,
    )


class ProposalForm(FlaskForm):
    product_id = SelectField("Product to test", coerce=_id_or_zero, validate_choice=False)
    title = _text("Trial title", "Enter the trial's title", 200)
    summary = TextAreaField(
        "Summary for residents",
        description="What the trial wants to find out, in plain English. Residents see this.",
        validators=[
            DataRequired("Enter a summary for residents"),
            Length(max=5000, message="Summary must be 5000 characters or fewer"),
        ],
    )
    aims = _draft_text("Aims", "What the trial sets out to show. Research staff read this.")
    target_population = _draft_text(
        "Who the trial is for",
        "The population in plain words, for example: people aged 65 and over living at home "
        "who have fallen in the last year.",
    )
    funding = _draft_text(
        "Funding", "Who pays for the trial and how, for example: our company, with a grant."
    )
    ics_outcomes = _checkboxes(
        "Which Dorset ICS outcomes does the trial serve?",
        "Select all that apply. The Integrated Care System ties every innovation to these.",
        "Select ICS outcomes from the list",
    )
    control_arm = _text(
        "Control arm",
        "Enter the name of the control arm",
        80,
        description="What the comparison group receives, for example Usual care.",
    )
    intervention_arm = _text(
        "Intervention arm",
        "Enter the name of the intervention arm",
        80,
        description="Participants are allocated 1:1 to the two arms.",
    )
    outcome_name = _text(
        "Primary outcome",
        "Enter the primary outcome",
        120,
        description="One continuous measure, for example Timed Up and Go.",
    )
    outcome_unit = _text(
        "Unit", "Enter the outcome's unit", 40, description="For example, seconds."
    )
    outcome_min = _number("Lowest valid value", "Enter the lowest valid value")
    outcome_max = _number("Highest valid value", "Enter the highest valid value")
    outcome_mid = _number(
        "Minimal important difference (optional)",
        None,
        description="The smallest change that matters to patients, in the outcome's unit.",
    )
    lower_is_better = RadioField(
        "Which direction is better?",
        choices=[
            SelectChoice("no", "A higher value is better"),
            SelectChoice("yes", "A lower value is better"),
        ],
        validators=[InputRequired("Select which direction of the outcome is better")],
    )
    follow_up_days = WholeNumberField(
        "Days from baseline to follow-up",
        validators=[
            InputRequired("Enter the number of days from baseline to follow-up"),
            NumberRange(1, 730, "Follow-up must be between 1 and 730 days after baseline"),
        ],
        message="Days from baseline to follow-up must be a whole number, like 84",
        default=84,
    )
    baseline_window_days = _window("Baseline visit window (± days)", 0)
    follow_up_window_days = _window("Follow-up visit window (± days)", 7)
    min_age = _age("Youngest age")
    max_age = _age("Oldest age")
    sexes = _checkboxes(
        "Sex",
        "Leave all unticked if the trial is open to everyone.",
        "Select sexes from the list",
        [SelectChoice(value, words) for value, words in SEX_WORDS.items()],
    )
    postcode_areas = StringField(
        "Postcode areas or districts (optional)",
        description="For example DT, or BH8 BH9. Separate them with commas or spaces. Leave "
        "empty for anywhere in the Living Lab area (BH and DT postcodes).",
        validators=[Length(max=300, message="Enter 300 characters or fewer")],
    )
    required_conditions = _checkboxes(
        "Participants must live with at least one of these conditions",
        "Leave all unticked if no condition is needed.",
        "Select conditions from the list",
    )
    excluded_conditions = _checkboxes(
        "Participants must not live with any of these conditions",
        "Leave all unticked if no condition rules people out.",
        "Select conditions from the list",
    )
    digital_needs = _checkboxes(
        "What do participants need to have?",
        "Select all that apply, for example a smartphone for an app trial.",
        "Select what participants need from the list",
        [SelectChoice(value, words) for value, _flag, words in DIGITAL_NEEDS],
    )
    recruitment_start = DateInputField(
        "Recruitment starts", description="For example, 1 9 2026. Today or later."
    )
    recruitment_end = DateInputField("Recruitment ends", description="For example, 31 8 2027")

    #: Names of the per-site target boxes, in site order (set by :func:`proposal_form`).
    site_fields: list[tuple[str, Site]] = []

    def validate_product_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select the product the trial will test")

    def validate_outcome_mid(self, field: NumberField) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError("Minimal important difference must be more than 0")

    def validate_postcode_areas(self, field: StringField) -> None:
        for code in split_postcode_codes(field.data or ""):
            problem = postcode_code_problem(code)
            if problem:
                raise ValidationError(problem)

    def to_draft(self) -> ProposalDraft:
        return ProposalDraft(
            product_id=self.product_id.data,
            title=self.title.data,
            summary=self.summary.data,
            control_arm=self.control_arm.data,
            intervention_arm=self.intervention_arm.data,
            outcome=PrimaryOutcome(
                name=self.outcome_name.data,
                unit=self.outcome_unit.data,
                min_value=self.outcome_min.data,
                max_value=self.outcome_max.data,
                minimal_important_difference=self.outcome_mid.data,
                lower_is_better=self.lower_is_better.data == "yes",
            ),
            site_targets={
                site.id: self[name].data for name, site in self.site_fields if self[name].data
            },
            follow_up_days=self.follow_up_days.data,
            aims=self.aims.data or "",
            target_population=self.target_population.data or "",
            funding=self.funding.data or "",
            recruitment_start=self.recruitment_start.data,
            recruitment_end=self.recruitment_end.data,
            ics_outcomes=tuple(self.ics_outcomes.data or ()),
            eligibility=self._eligibility(),
            baseline_window_days=self.baseline_window_days.data or 0,
            follow_up_window_days=self.follow_up_window_days.data or 0,
        )

    def _eligibility(self) -> EligibilityDraft:
        return EligibilityDraft(
            min_age=self.min_age.data,
            max_age=self.max_age.data,
            sexes=tuple(self.sexes.data or ()),
            postcode_areas=tuple(split_postcode_codes(self.postcode_areas.data or "")),
            required_conditions=tuple(self.required_conditions.data or ()),
            excluded_conditions=tuple(self.excluded_conditions.data or ()),
            digital_needs=frozenset(self.digital_needs.data or ()),
        )


def proposal_form(choices: ProposalChoices, trial: Trial | None = None, **kwargs) -> ProposalForm:
    """A proposal form offering ``choices``, with a target box per site.

    With ``trial`` (editing), the fields start from the trial's current values.
    """

    class Form(ProposalForm):
        pass

    site_fields = []
    for site in choices.sites:
        name = f"target_{site.code.lower()}"
        setattr(Form, name, _site_target(site))
        site_fields.append((name, site))
    Form.site_fields = site_fields
    if trial is not None:
        kwargs.setdefault("data", _initial(trial, site_fields))
    form = Form(**kwargs)
    form.product_id.choices = [SelectChoice(0, "Select a product")] + [
        SelectChoice(p.id, p.name) for p in choices.products
    ]
    form.ics_outcomes.choices = list(choices.ics_outcomes)
    form.required_conditions.choices = list(choices.conditions)
    form.excluded_conditions.choices = list(choices.conditions)
    return form


def _site_target(site: Site) -> WholeNumberField:
    return WholeNumberField(
        f"Participants wanted at {site.name}",
        validators=[
            Optional(),
            NumberRange(
                0,
                MAX_SITE_TARGET,
                f"Participants wanted at {site.name} must be between 0 and {MAX_SITE_TARGET}",
            ),
        ],
        message=f"Participants wanted at {site.name} must be a whole number, like 60",
        description="Leave empty or 0 if the trial should not run at this site.",
    )


def _initial(trial: Trial, site_fields: list[tuple[str, Site]]) -> dict:
    measure = trial.primary_measure
    follow_up = next((v for v in trial.visits if not v.is_baseline), None)
    baseline = next((v for v in trial.visits if v.is_baseline), None)
    targets = {ts.site_id: ts.target for ts in trial.trial_sites}
    data = {
        "product_id": trial.product_id,
        "title": trial.title,
        "summary": trial.summary,
        "aims": trial.aims,
        "target_population": trial.target_population,
        "funding": trial.funding,
        "ics_outcomes": [outcome.code for outcome in trial.ics_outcomes],
        "control_arm": trial.control_arm.name if trial.control_arm else "",
        "intervention_arm": next((a.name for a in trial.arms if not a.is_control), ""),
        "follow_up_days": follow_up.day_offset if follow_up else 84,
        "baseline_window_days": baseline.window_days if baseline else 0,
        "follow_up_window_days": follow_up.window_days if follow_up else 0,
        "recruitment_start": trial.recruitment_start,
        "recruitment_end": trial.recruitment_end,
    }
    if measure is not None:
        data |= {
            "outcome_name": measure.name,
            "outcome_unit": measure.unit,
            "outcome_min": measure.min_value,
            "outcome_max": measure.max_value,
            "outcome_mid": measure.minimal_important_difference,
            "lower_is_better": "yes" if measure.lower_is_better else "no",
        }
    criteria = trial.eligibility
    if criteria is not None:
        data |= {
            "min_age": criteria.min_age,
            "max_age": criteria.max_age,
            "sexes": list(criteria.sexes or []),
            "postcode_areas": " ".join(criteria.postcode_areas or []),
            "required_conditions": [c.code for c in criteria.required_conditions],
            "excluded_conditions": [c.code for c in criteria.excluded_conditions],
            "digital_needs": [v for v, flag, _w in DIGITAL_NEEDS if getattr(criteria, flag)],
        }
    data |= {name: targets.get(site.id) for name, site in site_fields}
    return data


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Reason for withdrawing",
        description="The research staff and the audit trail keep this.",
        validators=[
            DataRequired("Give the reason for withdrawing the proposal"),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )
