"""The upload form for importing outcome values from a CSV file."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms.validators import ValidationError

from trials.observations.imports import MAX_BYTES

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
