"""Admin forms for the registry's reference data."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SelectChoice
from wtforms.validators import ValidationError

#: The largest deprivation file accepted: about 150,000 postcodes.
MAX_DEPRIVATION_FILE_BYTES = 4 * 1024 * 1024

ADD_OR_UPDATE = "add_or_update"
REPLACE_ALL = "replace_all"


def file_size_limit(form: Any, field: FileField) -> None:
    stream = field.data.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > MAX_DEPRIVATION_FILE_BYTES:
        megabytes = max(1, MAX_DEPRIVATION_FILE_BYTES // 2**20)
        raise ValidationError(f"The file must be smaller than {megabytes} MB")


class DeprivationUploadForm(FlaskForm):
    file = FileField(
        "Deprivation file (CSV)",
        description=(
            "A CSV file with the column names postcode,imd_quintile on the first row, then one "
            "postcode per row with its IMD quintile from 1 (most deprived) to 5."
        ),
        validators=[
            FileRequired("Choose a CSV file to upload"),
            FileAllowed(["csv"], "The file must be a CSV file"),
            file_size_limit,
        ],
    )
    mode = RadioField(
        "What should happen to postcodes already stored?",
        default=ADD_OR_UPDATE,
        choices=[
            SelectChoice(ADD_OR_UPDATE, "Keep them, and add or update the postcodes in the file"),
            SelectChoice(REPLACE_ALL, "Replace the whole table with the postcodes in the file"),
        ],
        invalid_value_message="Select what should happen to postcodes already stored",
        invalid_choice_message="Select what should happen to postcodes already stored",
    )


class ResolveDuplicateForm(FlaskForm):
    """A button only: the CSRF token is the whole form."""
