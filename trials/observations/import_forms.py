"""The upload form for importing outcome values from a CSV file."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms.validators import ValidationError

from trials.observations.imports import MAX_BYTES
from trials.proposals.models import Trial

TOO_LARGE = f"The file must be smaller than {MAX_BYTES // 2**20} MB"


def _within_size_limit(form: Any, field: FileField) -> None:
    stream = field.data.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > MAX_BYTES:
        raise ValidationError(TOO_LARGE)


class ObservationImportForm(FlaskForm):
    file = FileField(
        "Observations file (CSV)",
        description=(
            "A CSV file with the column names participant,visit,measure,value on the first "
            "line, then one value per line, for example WFH-0001,Baseline,Timed Up and Go,14.2"
        ),
        validators=[
            FileRequired("Choose a CSV file to upload"),
            FileAllowed(["csv"], "The file must be a CSV file"),
            _within_size_limit,
        ],
    )


def file_description(trial: Trial) -> str:
    """The file's expected shape, with an example line in this trial's own terms."""
    measure = trial.primary_measure or (trial.measures[0] if trial.measures else None)
    visit = next((v for v in trial.visits if not v.is_baseline), None) or (
        trial.visits[0] if trial.visits else None
    )
    site = trial.approved_sites[0].site.code if trial.approved_sites else "WFH"
    example = ""
    if measure is not None and visit is not None:
        value = f"{(measure.min_value + measure.max_value) / 2:g}"
        example = f", for example {site}-3F9A2C,{visit.name},{measure.name},{value}"
    return (
        "A CSV file with the column names participant,visit,measure,value on the first "
        f"line, then one value per line{example}. The participant is their trial code."
    )
