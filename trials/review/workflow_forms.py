"""Forms for the review workflow: checklist, comments, ethics references, queue filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from livinglab.participants.forms import date_required
from livinglab.sites.models import Site
from livinglab.web.fields import DateInputField
from trials.review.checklist import CHECKLIST, MAX_NOTE, Rating, rating_problem
from trials.review.comments import MAX_COMMENT
from trials.review.ethics import IRAS_ID, REC_REFERENCE, normalise_rec_reference
from trials.review.models import ChecklistRating, ReviewAssessment
from trials.review.queries import QUEUE_STATUSES, QueueFilters

RATING_CHOICES = [SelectChoice(r.value, r.label) for r in ChecklistRating]


class ChecklistForm(FlaskForm):
    """A rating and a note per checklist item: ``<code>_rating`` and ``<code>_note``."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for item, rating in zip(CHECKLIST, self.ratings().values(), strict=True):
            problem = rating_problem(item, rating)
            if problem and not self[problem[0]].errors:
                self[problem[0]].errors.append(problem[1])
                valid = False
        return valid

    def ratings(self) -> dict[str, Rating]:
        """Item code -> what was entered."""
        return {
            item.code: Rating(
                ChecklistRating(self[f"{item.code}_rating"].data)
                if self[f"{item.code}_rating"].data in {r.value for r in ChecklistRating}
                else None,
                self[f"{item.code}_note"].data or "",
            )
            for item in CHECKLIST
        }


for _item in CHECKLIST:
    setattr(
        ChecklistForm,
        f"{_item.code}_rating",
        RadioField(
            _item.label, choices=RATING_CHOICES, description=_item.hint, validators=[Optional()]
        ),
    )
    setattr(
        ChecklistForm,
        f"{_item.code}_note",
        TextAreaField(
            f"Note on {_item.label.lower()}",
            description="Needed when you have concerns or the item is not met.",
            validators=[
                Length(
                    max=MAX_NOTE,
                    message=f"The note on {_item.label.lower()} must be "
                    f"{MAX_NOTE} characters or fewer",
                )
            ],
        ),
    )


def checklist_form(assessments: dict[str, ReviewAssessment], **kwargs: Any) -> ChecklistForm:
    """The checklist form, filled in with the ratings saved so far."""
    data = {}
    for code, row in assessments.items():
        data[f"{code}_rating"] = row.rating.value
        data[f"{code}_note"] = row.note
    kwargs.setdefault("data", data)
    return ChecklistForm(**kwargs)


class CommentForm(FlaskForm):
    audience = RadioField(
        "Who is this for?",
        choices=[
            SelectChoice("company", "The company: a comment they can read"),
            SelectChoice("internal", "Research staff only: an internal note"),
        ],
        validators=[InputRequired("Select who the comment is for")],
    )
    body = TextAreaField(
        "Comment",
        validators=[
            DataRequired("Enter your comment"),
            Length(max=MAX_COMMENT, message=f"Comment must be {MAX_COMMENT} characters or fewer"),
        ],
    )

    @property
    def is_internal(self) -> bool:
        return self.audience.data == "internal"


def not_in_future(form: Any, field: DateInputField) -> None:
    if field.data is not None and field.data > dt.datetime.now(dt.UTC).date():
        raise ValidationError(f"{field.label.text} must be today or in the past")


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


class EthicsForm(FlaskForm):
    iras_id = StringField(
        "IRAS project ID",
        description="6 or 7 digits, for example 1234567",
        filters=[_strip],
        validators=[
            DataRequired("Enter the IRAS project ID"),
            Regexp(
                IRAS_ID.pattern + "$", message="IRAS project ID must be 6 or 7 digits, like 1234567"
            ),
        ],
    )
    rec_reference = StringField(
        "REC reference",
        description="For example, 24/SC/0123",
        filters=[lambda value: normalise_rec_reference(value) if value else value],
        validators=[
            DataRequired("Enter the REC reference"),
            Regexp(REC_REFERENCE.pattern + "$", message="REC reference must look like 24/SC/0123"),
        ],
    )
    approved_on = DateInputField(
        "Date of the ethics approval",
        description="For example, 15 3 2027",
        validators=[date_required("Enter the date of the ethics approval"), not_in_future],
    )


def ethics_form(trial: Any, **kwargs: Any) -> EthicsForm:
    """The ethics form, filled in with what is recorded already."""
    kwargs.setdefault(
        "data",
        {
            "iras_id": trial.iras_id or "",
            "rec_reference": trial.rec_reference or "",
            "approved_on": trial.ethics_approved_on,
        },
    )
    return EthicsForm(**kwargs)


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("Status")
    site = SelectField("Site")
    age = SelectField(
        "Waiting since submission",
        choices=[
            SelectChoice("", "Any time"),
            SelectChoice("7", "Over 7 days"),
            SelectChoice("14", "Over 14 days"),
            SelectChoice("30", "Over 30 days"),
        ],
    )


def queue_filter_form(sites: list[Site], filters: QueueFilters) -> QueueFilterForm:
    """The filter form showing ``filters`` (only valid values ever reach it)."""
    form = QueueFilterForm(formdata=None, data=filters.as_args())
    form.status.choices = [SelectChoice("", "Any status")] + [
        SelectChoice(s.value, s.label) for s in QUEUE_STATUSES
    ]
    form.site.choices = [SelectChoice("", "All my sites")] + [
        SelectChoice(str(s.id), s.name) for s in sites
    ]
    return form
