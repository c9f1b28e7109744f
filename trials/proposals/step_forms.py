"""The step forms made of repeated rows: design and arms, visit schedule, outcome measures.

Each offers a fixed number of rows (no JavaScript); rows left blank are ignored. Forms
check shape; :mod:`trials.proposals.section_rules` checks meaning and names the box by
the filled rows' numbering, which :meth:`RowsForm.aliases` maps back onto the page's rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from livinglab.web.fields import NumberField, WholeNumberField
from livinglab.web.nhsuk import error_href
from trials.proposals.models import DESIGN_LABELS, MeasureType, Trial, TrialDesign
from trials.proposals.section_rules import (
    MAX_ARMS,
    MAX_MEASURES,
    MAX_RATIO,
    MAX_VISIT_DAY,
    MAX_VISIT_WINDOW,
    MAX_VISITS,
    ArmDraft,
    DesignDraft,
    MeasureDraft,
    VisitDraft,
)
from trials.questionnaires.instruments import INSTRUMENTS

DESIGN_HINTS = {
    TrialDesign.PARALLEL_RCT: "2 to 4 arms; participants are put into one at random.",
    TrialDesign.SINGLE_ARM: "One arm; each participant is measured before and after.",
    TrialDesign.CROSSOVER: "2 arms; each participant has both in a random order, with a "
    "washout between. Recorded for review; analysed as parallel arms for now.",
}


def _whole(label: str, low: int, high: int, example: int, **kwargs: Any) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[Optional(), NumberRange(low, high, f"{label} must be from {low} to {high}")],
        message=f"{label} must be a whole number, like {example}",
        **kwargs,
    )


def _decimal(label: str, **kwargs: Any) -> NumberField:
    words = label.removesuffix(" (optional)")
    return NumberField(
        label, validators=[Optional()], message=f"{words} must be a number, like 12.5", **kwargs
    )


class Row(Form):
    """One row of a repeated group; a row with nothing typed or ticked is ignored."""

    #: Fields that do not make a row "filled in" on their own (defaults shown on the page).
    defaults: tuple[str, ...] = ()

    @property
    def is_blank(self) -> bool:
        return not any(
            field.data not in (None, "", [], False)
            for field in self
            if field.short_name not in self.defaults
        )

    def validate(self, extra_validators: Any = None) -> bool:
        if self.is_blank:
            return True
        return super().validate(extra_validators)


class RowsForm(FlaskForm):
    """A form whose ``rows`` field holds the repeated rows."""

    rows_name = "rows"

    def filled(self) -> list[tuple[int, Row]]:
        """(row number on the page, row) for each row that is not blank."""
        rows = self[self.rows_name]
        return [(i, entry.form) for i, entry in enumerate(rows) if not entry.form.is_blank]

    def aliases(self) -> dict[str, str]:
        """Service field names (counting filled rows) -> the box on the page."""
        filled = self.filled()
        first = f"{self.rows_name}-{filled[0][0] if filled else 0}-name"
        names = {self.rows_name: first}
        for n, (i, row) in enumerate(filled):
            for field in row:
                names[f"{self.rows_name}-{n}-{field.short_name}"] = (
                    f"{self.rows_name}-{i}-{field.short_name}"
                )
        return names

    def place_error(self, name: str, message: str) -> None:
        """Put a service's message by the box ``name`` (a page id), else on the first row."""
        for field in leaf_fields(self):
            if field.id == name:
                field.errors = [*field.errors, message]
                return
        next(iter(self[self.rows_name])).form.name.errors.append(message)


def _start(form_class: type[RowsForm], data: dict[str, Any]) -> Any:
    """The form with the posted rows, or (not posted) with the saved ones.

    Saved rows are not mixed into a post: a box the post leaves out stays empty.
    """
    form = form_class()
    if not form.is_submitted():
        form.process(data=data)
    return form


def leaf_fields(form: Form) -> Iterator[Field]:
    """Every field the user sees, rows unpacked, in page order."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                yield from leaf_fields(entry.form)
        elif field.type not in ("CSRFTokenField", "HiddenField"):
            yield field


def step_errors(form: Form) -> list[dict[str, str]]:
    """Error summary entries for a form with rows, linking to each box in page order."""
    return [
        {"text": field.errors[0], "href": error_href(field)}
        for field in leaf_fields(form)
        if field.errors and isinstance(field.errors[0], str)
    ]


# --- step 2: design and arms -------------------------------------------------------------


class ArmRow(Row):
    defaults = ("ratio",)
    name = StringField(
        "Name", validators=[Length(max=80, message="An arm's name must be 80 characters or fewer")]
    )
    description = StringField(
        "What participants in this arm receive (optional)",
        validators=[Length(max=500, message="Description must be 500 characters or fewer")],
    )
    ratio = _whole("Allocation ratio", 1, MAX_RATIO, 1, description="A whole number from 1 to 5")
    is_control = BooleanField("This is the control arm")


class DesignForm(RowsForm):
    rows_name = "arms"
    design = RadioField(
        "Which design is the trial?",
        choices=[SelectChoice(d.value, DESIGN_LABELS[d]) for d in TrialDesign],
        validators=[InputRequired("Select the trial's design")],
    )
    arms = FieldList(FormField(ArmRow), min_entries=MAX_ARMS, max_entries=MAX_ARMS)
    washout_days = _whole(
        "Washout between the periods, in days (crossover only)",
        1,
        MAX_VISIT_DAY,
        14,
        description="Days between the two periods so that the first arm's effect wears off.",
    )

    def to_draft(self) -> DesignDraft:
        arms = tuple(
            ArmDraft(
                name=row.name.data or "",
                ratio=1 if row.ratio.data is None else row.ratio.data,
                is_control=bool(row.is_control.data),
                description=row.description.data or "",
            )
            for _i, row in self.filled()
        )
        return DesignDraft(TrialDesign(self.design.data), arms, self.washout_days.data)


def design_form(trial: Trial) -> DesignForm:
    arms = [
        {"name": a.name, "description": a.description, "ratio": a.ratio, "is_control": a.is_control}
        for a in trial.arms
    ]
    data = {
        "design": trial.design.value if trial.arms else None,
        "arms": arms,
        "washout_days": trial.washout_days,
    }
    return _start(DesignForm, data)


# --- step 5: visit schedule ---------------------------------------------------------------


class VisitRow(Row):
    defaults = ("window_days",)
    name = StringField(
        "Name", validators=[Length(max=80, message="A visit's name must be 80 characters or fewer")]
    )
    day_offset = _whole("Day", 0, MAX_VISIT_DAY, 84, description="Days after the baseline.")
    window_days = _whole(
        "Window (± days)", 0, MAX_VISIT_WINDOW, 7, description="0 means on the day itself."
    )


class VisitsForm(RowsForm):
    rows_name = "visits"
    visits = FieldList(FormField(VisitRow), min_entries=MAX_VISITS, max_entries=MAX_VISITS)

    def to_draft(self) -> tuple[VisitDraft, ...]:
        return tuple(
            VisitDraft(
                name=row.name.data or "",
                day_offset=row.day_offset.data or 0,
                window_days=row.window_days.data or 0,
            )
            for _i, row in self.filled()
        )


def visits_form(trial: Trial) -> VisitsForm:
    rows = [
        {"name": v.name, "day_offset": v.day_offset, "window_days": v.window_days}
        for v in trial.visits
    ] or [{"name": "Baseline", "day_offset": 0, "window_days": 0}]
    return _start(VisitsForm, {"visits": rows})


# --- step 6: outcome measures -------------------------------------------------------------


class MeasureRow(Row):
    defaults = ("type",)
    name = StringField(
        "Name",
        validators=[Length(max=120, message="A measure's name must be 120 characters or fewer")],
    )
    instrument = SelectField(
        "Validated questionnaire (optional)",
        description="Participants complete it online. Leave the unit and range empty to use "
        "the questionnaire's score.",
        choices=[SelectChoice("", "None")]
        + [SelectChoice(code, i.name) for code, i in INSTRUMENTS.items()],
        default="",
        invalid_choice_message="Select a questionnaire from the list",
    )
    unit = StringField(
        "Unit", validators=[Length(max=40, message="Unit must be 40 characters or fewer")]
    )
    type = SelectField(
        "Type",
        choices=[SelectChoice(t.value, t.value.capitalize()) for t in MeasureType],
        default=MeasureType.CONTINUOUS.value,
        invalid_choice_message="Select the type of measure",
    )
    min_value = _decimal("Lowest valid value")
    max_value = _decimal("Highest valid value")
    minimal_important_difference = _decimal(
        "Minimal important difference (optional)",
        description="The smallest change that matters to patients, in the measure's unit.",
    )
    is_primary = BooleanField("This is the primary outcome")
    lower_is_better = BooleanField("A lower value is better")
    visit_ids = SelectMultipleField(
        "Taken at these visits",
        description="Leave all unticked to take it at every visit.",
        coerce=int,
        invalid_choice_message="Select visits from this trial's schedule",
    )


class MeasuresForm(RowsForm):
    rows_name = "measures"
    measures = FieldList(FormField(MeasureRow), min_entries=MAX_MEASURES, max_entries=MAX_MEASURES)

    def to_draft(self) -> tuple[MeasureDraft, ...]:
        return tuple(
            MeasureDraft(
                name=row.name.data or "",
                unit=row.unit.data or "",
                type=MeasureType(row.type.data or MeasureType.CONTINUOUS.value),
                min_value=row.min_value.data,
                max_value=row.max_value.data,
                is_primary=bool(row.is_primary.data),
                minimal_important_difference=row.minimal_important_difference.data,
                lower_is_better=bool(row.lower_is_better.data),
                instrument=row.instrument.data or None,
                visit_ids=tuple(row.visit_ids.data or ()),
            )
            for _i, row in self.filled()
        )


def measures_form(trial: Trial) -> MeasuresForm:
    rows = [
        {
            "name": m.name,
            "instrument": m.instrument or "",
            "unit": m.unit,
            "type": m.type.value,
            "min_value": m.min_value,
            "max_value": m.max_value,
            "minimal_important_difference": m.minimal_important_difference,
            "is_primary": m.is_primary,
            "lower_is_better": m.lower_is_better,
            "visit_ids": [v.id for v in m.visits],
        }
        for m in trial.measures
    ]
    form = _start(MeasuresForm, {"measures": rows})
    choices = visit_choices(trial.visits)
    for entry in form.measures:
        entry.form.visit_ids.choices = choices
    return form


def visit_choices(visits: Sequence[Any]) -> list[SelectChoice]:
    return [SelectChoice(v.id, f"{v.name} (day {v.day_offset})") for v in visits]
