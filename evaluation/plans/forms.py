"""The analysis plan form: the plan's choices, then one analysis and visit per measure."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from evaluation.plans.choices import ANALYSES, COVARIATES, SUBGROUPS, analyses_for
from evaluation.plans.models import AnalysisPlan, MissingData, Multiplicity, Population
from evaluation.plans.services import PlanInput, PlannedOutcome, default_plan_input
from trials.proposals.models import Trial, TrialDesign

NOT_ANALYSED = ""


class PlanForm(FlaskForm):
    control_arm_id = RadioField(
        "Control arm",
        coerce=int,
        validate_choice=False,
        description="Every other arm is compared with this one.",
        validators=[Optional()],
    )
    population = RadioField(
        "Analysis population",
        choices=[SelectChoice(p.value, p.label) for p in Population],
        validators=[DataRequired("Choose the analysis population")],
    )
    missing_data = RadioField(
        "Missing data",
        choices=[SelectChoice(m.value, m.label) for m in MissingData],
        validators=[DataRequired("Choose how missing data are handled")],
    )
    multiplicity = RadioField(
        "Multiple secondary outcomes",
        choices=[SelectChoice(m.value, m.label) for m in Multiplicity],
        validators=[DataRequired("Choose how secondary outcomes are adjusted")],
    )
    standard_errors = RadioField(
        "Standard errors",
        choices=[
            SelectChoice("classical", "Classical (model-based)"),
            SelectChoice("robust", "Robust (HC3 sandwich), if the spread may differ between arms"),
        ],
        validators=[DataRequired("Choose classical or robust standard errors")],
    )
    covariates = SelectMultipleField(
        "Adjust for",
        choices=[SelectChoice(k, v) for k, v in COVARIATES.items()],
        description="Besides the arm. Site and baseline are usual; each one costs power.",
        invalid_choice_message="Choose covariates from the list",
    )
    subgroups = SelectMultipleField(
        "Subgroups of the primary outcome",
        choices=[SelectChoice(k, v) for k, v in SUBGROUPS.items()],
        description="Each gets an effect per level and an interaction test; interpret with care.",
        invalid_choice_message="Choose subgroups from the list",
    )
    notes = TextAreaField(
        "Other details of the plan (optional)",
        validators=[Length(max=5000, message="Notes must be 5000 characters or fewer")],
    )

    #: (measure, analysis field name, visit field name), set by :func:`plan_form`.
    measure_fields: list[tuple[Any, str, str]]

    def plan_input(self, trial: Trial) -> PlanInput:
        outcomes = []
        for measure, analysis, visit in self.measure_fields:
            chosen = self[analysis].data
            if chosen and chosen != NOT_ANALYSED:
                outcomes.append(PlannedOutcome(measure.id, chosen, self[visit].data or ""))
        return PlanInput(
            control_arm_id=self.control_arm_id.data,
            population=Population(self.population.data),
            missing_data=MissingData(self.missing_data.data),
            multiplicity=Multiplicity(self.multiplicity.data),
            standard_errors=self.standard_errors.data,
            covariates=tuple(self.covariates.data or ()),
            subgroups=tuple(self.subgroups.data or ()),
            outcomes=tuple(outcomes),
            notes=self.notes.data or "",
        )


def plan_form(trial: Trial, plan: AnalysisPlan | None, *, posted: bool = False) -> PlanForm:
    """A form for this trial's measures.

    Shown, it is filled from ``plan`` (or the usual choices); ``posted``, it reads only what
    was sent, so a missing answer is an error rather than a silent default.
    """

    class TrialPlanForm(PlanForm):
        pass

    fields = []
    for measure in trial.measures:
        keys = analyses_for(measure.type, trial.design)
        if not keys:
            continue
        choices = [SelectChoice(k, ANALYSES[k].label) for k in keys]
        if not measure.is_primary:
            choices.append(SelectChoice(NOT_ANALYSED, "Not analysed"))
        role = "primary" if measure.is_primary else "secondary"
        analysis = f"measure_{measure.id}_analysis"
        visit = f"measure_{measure.id}_visit"
        setattr(
            TrialPlanForm,
            analysis,
            RadioField(
                f"{measure.name} ({role} outcome): analysis",
                choices=choices,
                invalid_choice_message=f"Choose how {measure.name} is analysed",
            ),
        )
        follow_up = [v for v in (measure.visits or trial.visits) if not v.is_baseline]
        setattr(
            TrialPlanForm,
            visit,
            SelectField(
                f"{measure.name}: visit analysed",
                choices=[SelectChoice(v.code, v.name) for v in follow_up],
                description="Repeated-measures analyses use every follow-up visit.",
                validate_choice=False,
            ),
        )
        fields.append((measure, analysis, visit))
    form = TrialPlanForm() if posted else TrialPlanForm(data=_initial(trial, plan, fields))
    form.measure_fields = fields
    arms = [
        SelectChoice(a.id, a.name + (" (declared control)" if a.is_control else ""))
        for a in trial.arms
    ]
    form.control_arm_id.choices = arms
    if trial.design is TrialDesign.SINGLE_ARM:
        del form.control_arm_id
    return form


def _initial(trial: Trial, plan: AnalysisPlan | None, fields: list) -> dict[str, Any]:
    source = default_plan_input(trial)
    data: dict[str, Any] = {}
    if plan is not None:
        data = {
            "control_arm_id": plan.control_arm_id,
            "population": plan.population.value,
            "missing_data": plan.missing_data.value,
            "multiplicity": plan.multiplicity.value,
            "standard_errors": plan.standard_errors,
            "covariates": list(plan.covariates),
            "subgroups": list(plan.subgroups),
            "notes": plan.notes,
        }
        planned = {o["measure_id"]: (o["analysis"], o["visit"]) for o in plan.outcomes}
    else:
        data = {
            "control_arm_id": source.control_arm_id,
            "population": source.population.value,
            "missing_data": source.missing_data.value,
            "multiplicity": source.multiplicity.value,
            "standard_errors": source.standard_errors,
            "covariates": list(source.covariates),
            "subgroups": list(source.subgroups),
        }
        planned = {o.measure_id: (o.analysis, o.visit) for o in source.outcomes}
    for measure, analysis, visit in fields:
        chosen, at = planned.get(measure.id, (NOT_ANALYSED, None))
        data[analysis] = chosen
        if at:
            data[visit] = at
    return data
