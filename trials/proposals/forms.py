"""The trial proposal form (shape checks only; the service checks meaning).

Sites are rows, so the form gets one target box per active site when it is built.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
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
from livinglab.web.fields import NumberField, WholeNumberField
from trials.proposals.models import Trial
from trials.proposals.services import PrimaryOutcome, ProposalDraft

MAX_SITE_TARGET = 2000


def _text(label: str, required: str, max_length: int, **kwargs) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(required),
            Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"),
        ],
        **kwargs,
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


class ProposalForm(FlaskForm):
    product_id = SelectField(
        "Product to test",
        coerce=_id_or_zero,
        validate_choice=False,
    )
    title = _text("Trial title", "Enter the trial's title", 200)
    summary = TextAreaField(
        "Summary for residents",
        description="What the trial wants to find out, in plain English. Residents see this.",
        validators=[
            DataRequired("Enter a summary for residents"),
            Length(max=5000, message="Summary must be 5000 characters or fewer"),
        ],
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

    #: Names of the per-site target boxes, in site order (set by :func:`proposal_form`).
    site_fields: list[tuple[str, Site]] = []

    def validate_product_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select the product the trial will test")

    def validate_outcome_mid(self, field: NumberField) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError("Minimal important difference must be more than 0")

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
        )


def proposal_form(
    products: Sequence[Product], sites: Sequence[Site], trial: Trial | None = None, **kwargs
) -> ProposalForm:
    """A proposal form with the organisation's products and a target box per site.

    With ``trial`` (editing), the boxes start from the trial's current values.
    """

    class Form(ProposalForm):
        pass

    site_fields = []
    for site in sites:
        name = f"target_{site.code.lower()}"
        label = f"Participants wanted at {site.name}"
        setattr(
            Form,
            name,
            WholeNumberField(
                label,
                validators=[
                    Optional(),
                    NumberRange(
                        0,
                        MAX_SITE_TARGET,
                        f"Participants wanted at {site.name} must be between 0 and "
                        f"{MAX_SITE_TARGET}",
                    ),
                ],
                message=f"Participants wanted at {site.name} must be a whole number, like 60",
                description="Leave empty or 0 if the trial should not run at this site.",
            ),
        )
        site_fields.append((name, site))
    Form.site_fields = site_fields
    if trial is not None:
        kwargs.setdefault("data", _initial(trial, site_fields))
    form = Form(**kwargs)
    form.product_id.choices = [SelectChoice(0, "Select a product")] + [
        SelectChoice(p.id, p.name) for p in products
    ]
    return form


def _initial(trial: Trial, site_fields: list[tuple[str, Site]]) -> dict:
    measure = trial.primary_measure
    follow_up = next((v for v in trial.visits if not v.is_baseline), None)
    targets = {ts.site_id: ts.target for ts in trial.trial_sites}
    data = {
        "product_id": trial.product_id,
        "title": trial.title,
        "summary": trial.summary,
        "control_arm": trial.control_arm.name if trial.control_arm else "",
        "intervention_arm": next((a.name for a in trial.arms if not a.is_control), ""),
        "follow_up_days": follow_up.day_offset if follow_up else 84,
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
