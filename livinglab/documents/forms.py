"""The document upload form (shape only: the service checks the file itself)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectChoice

from livinglab.documents.models import DocumentKind

NO_FILE = "Select a PDF or Word document (DOCX) to upload"


def file_field() -> FileField:
    """The file box; made for each form so it comes after that form's other questions."""
    return FileField(
        "Upload a file",
        description="A PDF or Word document (DOCX).",
        validators=[FileRequired(NO_FILE)],
    )


class UploadForm(FlaskForm):
    file = file_field()


class TrialUploadForm(FlaskForm):
    kind = RadioField(
        "What is the document?",
        choices=[],
        coerce=DocumentKind,
        invalid_value_message="Select what the document is",
        invalid_choice_message="Select what the document is",
    )
    file = file_field()

    def offer(self, kinds: Iterable[DocumentKind]) -> TrialUploadForm:
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in kinds]
        return self


class DeleteForm(FlaskForm):
    """Only the CSRF token: deleting is a POST."""
