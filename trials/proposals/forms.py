"""The proposal's step forms for about, sites and eligibility (shape checks only; the
services check meaning). The design, visit and measure steps are in
:mod:`trials.proposals.step_forms`.

Sites, ICS outcomes and conditions are rows, so the builders take the choices of the day.
A draft may leave most things empty; the proposal page lists what submission needs.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import (
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from livinglab.products.models import Product
from livinglab.sites.models import Site
from livinglab.web.fields import DateInputField, WholeNumberField
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
from trials.proposals.section_rules import MAX_SITE_TARGET
from trials.proposals.sections import AboutDraft, RecruitmentDraft


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


class AboutForm(FlaskForm):
    """Step 1: what is tested, why, for whom, and who pays."""

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
    ics_outcomes = _checkboxes(
        "Which Dorset ICS outcomes does the trial serve?",
        "Select all that apply. The Integrated Care System ties every innovation to these.",
        "Select ICS outcomes from the list",
    )
    funding = _draft_text(
        "Funding", "Who pays for the trial and how, for example: our company, with a grant."
    )

    def validate_product_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select the product the trial will test")

    def to_draft(self) -> AboutDraft:
        return AboutDraft(
            product_id=self.product_id.data,
            title=self.title.data,
            summary=self.summary.data,
            aims=self.aims.data or "",
            target_population=self.target_population.data or "",
            funding=self.funding.data or "",
            ics_outcomes=tuple(self.ics_outcomes.data or ()),
        )


def about_form(
    products: Sequence[Product],
    ics_outcomes: Sequence[SelectChoice],
    trial: Trial | None = None,
) -> AboutForm:
    data = None
    if trial is not None:
        data = {
            "product_id": trial.product_id,
            "title": trial.title,
            "summary": trial.summary,
            "aims": trial.aims,
            "target_population": trial.target_population,
            "funding": trial.funding,
            "ics_outcomes": [outcome.code for outcome in trial.ics_outcomes],
        }
    form = AboutForm(data=data)
    form.product_id.choices = [SelectChoice(0, "Select a product")] + [
        SelectChoice(p.id, p.name) for p in products
    ]
    form.ics_outcomes.choices = list(ics_outcomes)
    return form


class RecruitmentForm(FlaskForm):
    """Step 3: participants wanted at each site, and when recruitment runs."""

    recruitment_start = DateInputField(
        "Recruitment starts", description="For example, 1 9 2026. Today or later."
    )
    recruitment_end = DateInputField("Recruitment ends", description="For example, 31 8 2027")

    #: Names of the per-site target boxes, in site order (set by :func:`recruitment_form`).
    site_fields: list[tuple[str, Site]] = []

    def to_draft(self) -> RecruitmentDraft:
        return RecruitmentDraft(
            site_targets={site.id: self[name].data or 0 for name, site in self.site_fields},
            recruitment_start=self.recruitment_start.data,
            recruitment_end=self.recruitment_end.data,
        )

    def aliases(self) -> dict[str, str]:
        return {"sites": self.site_fields[0][0]} if self.site_fields else {}


def recruitment_form(sites: Sequence[Site], trial: Trial) -> RecruitmentForm:
    """The form with one target box per site, starting from the trial's values."""

    class Form(RecruitmentForm):
        pass

    site_fields = []
    for site in sites:
        name = f"target_{site.code.lower()}"
        setattr(Form, name, _site_target(site))
        site_fields.append((name, site))
    Form.site_fields = site_fields
    targets = {ts.site_id: ts.target for ts in trial.trial_sites}
    data = {
        "recruitment_start": trial.recruitment_start,
        "recruitment_end": trial.recruitment_end,
        **{name: targets.get(site.id) for name, site in site_fields},
    }
    return Form(data=data)


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


class EligibilityForm(FlaskForm):
    """Step 4: who can take part, as structured criteria."""

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

    def validate_postcode_areas(self, field: StringField) -> None:
        for code in split_postcode_codes(field.data or ""):
            problem = postcode_code_problem(code)
            if problem:
                raise ValidationError(problem)

    def to_draft(self) -> EligibilityDraft:
        return EligibilityDraft(
            min_age=self.min_age.data,
            max_age=self.max_age.data,
            sexes=tuple(self.sexes.data or ()),
            postcode_areas=tuple(split_postcode_codes(self.postcode_areas.data or "")),
            required_conditions=tuple(self.required_conditions.data or ()),
            excluded_conditions=tuple(self.excluded_conditions.data or ()),
            digital_needs=frozenset(self.digital_needs.data or ()),
        )


def eligibility_form(conditions: Sequence[SelectChoice], trial: Trial) -> EligibilityForm:
    criteria = trial.eligibility
    data = None
    if criteria is not None:
        data = {
            "min_age": criteria.min_age,
            "max_age": criteria.max_age,
            "sexes": list(criteria.sexes or []),
            "postcode_areas": " ".join(criteria.postcode_areas or []),
            "required_conditions": [c.code for c in criteria.required_conditions],
            "excluded_conditions": [c.code for c in criteria.excluded_conditions],
            "digital_needs": [v for v, flag, _w in DIGITAL_NEEDS if getattr(criteria, flag)],
        }
    form = EligibilityForm(data=data)
    form.required_conditions.choices = list(conditions)
    form.excluded_conditions.choices = list(conditions)
    return form


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Reason for withdrawing",
        description="The research staff and the audit trail keep this.",
        validators=[
            DataRequired("Give the reason for withdrawing the proposal"),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )
