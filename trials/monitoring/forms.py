"""The admin's form for loading a new reference population."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class ReferenceUploadForm(FlaskForm):
    file = FileField(
        "Reference population (CSV)",
        description=(
            "A CSV file with the column names dimension,category,share on the first row and "
            "one row per group: every age band, sex, deprivation quintile and ethnic group, "
            "each share a proportion from 0 to 1."
        ),
        validators=[
            FileRequired("Choose a CSV file to upload"),
            FileAllowed(["csv"], "The file must be a CSV file"),
        ],
    )
    source = TextAreaField(
        "Source of the figures",
        description="Shown under every comparison: the publisher, tables, year and area.",
        validators=[
            DataRequired("Enter where the figures come from"),
            Length(max=2000, message="The source must be 2,000 characters or fewer"),
        ],
    )
