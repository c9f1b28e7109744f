"""Review forms: approve (sites, targets, dates, consent form version, randomisation
method), or send back / reject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from livinglab.participants.forms import date_required
from livinglab.web.fields import DateInputField, WholeNumberField
from trials.consent.version_queries import ApprovableVersion
from trials.proposals.models import RandomisationMethod, Trial, TrialDesign, TrialSite
from trials.review.models import ReviewOutcome

MAX_TARGET = 2000


def _form_id(value: object) -> int | None:
    """A consent-form id from the radio, or ``None`` for anything that is not a number."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


class ApprovalForm(FlaskForm):
    """Sites and targets, recruitment dates, the consent form version, comments.

    Built by :func:`approval_form`, which adds the fields in the order the page shows them.
    """

    #: Never rendered as an input: carries the "rate the checklist first" error, which the
    #: error summary links to the checklist section (``#checklist``) of the review page.
    checklist = HiddenField()

    #: (approve field name, target field name, trial site) per requested site.
    site_fields: list[tuple[str, str, TrialSite]] = []
    #: The draft consent-form versions offered, newest first.
    consent_versions: list[ApprovableVersion] = []

    def site_targets(self) -> dict[int, int]:
        """Site id -> approved target, for the sites ticked."""
        return {
            ts.site_id: self[target].data
            for approve, target, ts in self.site_fields
            if self[approve].data and self[target].data is not None
        }

    def approval(self) -> dict[str, Any]:
        """What was entered, as the keyword arguments of ``approve_trial``."""
        method = self._fields.get("randomisation_method")  # absent for single-arm trials
        return {
            "randomisation_method": RandomisationMethod(method.data if method else "blocks"),
            "site_targets": self.site_targets(),
            "comments": self["comments"].data or "",
            "consent_form_id": self["consent_form"].data,
            "recruitment_start": self["recruitment_start"].data,
            "recruitment_end": self["recruitment_end"].data,
        }

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        ticked = [(a, t) for a, t, _ in self.site_fields if self[a].data]
        if not ticked and self.site_fields:
            self[self.site_fields[0][0]].errors.append(
                "Select at least one site to approve the trial for"
            )
            return False
        for _, target in ticked:
            if self[target].data is None and not self[target].errors:
                self[target].errors.append(f"Enter the {self[target].label.text.lower()}")
                valid = False
        return valid


def _site_fields(form: type[ApprovalForm], trial: Trial) -> list[tuple[str, str, TrialSite]]:
    fields = []
    for ts in trial.trial_sites:
        code = ts.site.code.lower()
        setattr(form, f"approve_{code}", BooleanField(f"Approve at {ts.site.name}"))
        setattr(
            form,
            f"target_{code}",
            WholeNumberField(
                f"Approved target at {ts.site.name}",
                validators=[
                    Optional(),
                    NumberRange(
                        1,
                        MAX_TARGET,
                        f"Approved target at {ts.site.name} must be between 1 and {MAX_TARGET}",
                    ),
                ],
                message=f"Approved target at {ts.site.name} must be a whole number, like 60",
                description=f"The company asked for {ts.target}.",
            ),
        )
        fields.append((f"approve_{code}", f"target_{code}", ts))
    return fields


def _version_label(version: ApprovableVersion) -> str:
    statements = "statement" if version.statements == 1 else "statements"
    questions = "question" if version.questions == 1 else "questions"
    return (
        f"Version {version.version} (draft): {version.statements} {statements}, "
        f"{version.questions} comprehension {questions}"
    )


def approval_form(
    trial: Trial, consent_versions: Sequence[ApprovableVersion] = (), **kwargs: Any
) -> ApprovalForm:
    """The approval form: a tick box and a target box per site the trial asks for, the
    recruitment dates (filled in from the proposal), a radio per draft consent-form version
    in ``consent_versions``, the randomisation method (blocks unless changed; not asked for
    a single-arm trial) and comments. Nothing is chosen for the consent form: the
    reviewer picks the version they read."""

    class Form(ApprovalForm):
        pass

    Form.site_fields = _site_fields(Form, trial)
    Form.recruitment_start = DateInputField(
        "Recruitment starts",
        description="For example, 1 9 2027. Today or later, or the date the company gave.",
        validators=[date_required("Enter the date recruitment starts")],
    )
    Form.recruitment_end = DateInputField(
        "Recruitment ends",
        description="For example, 31 8 2028. After the start date.",
        validators=[date_required("Enter the date recruitment ends")],
    )
    Form.consent_form = RadioField(
        "Consent form version to approve",
        description="Participants will read and sign this version.",
        choices=[SelectChoice(v.id, _version_label(v)) for v in consent_versions],
        coerce=_form_id,
        # The service says why a version cannot be approved, by the field.
        validate_choice=False,
        validators=[DataRequired("Select the consent form version to approve")],
    )
    if trial.design is not TrialDesign.SINGLE_ARM:
        Form.randomisation_method = RadioField(
            "Randomisation method",
            description=(
                "Blocks: a concealed list per site, made now from a recorded seed. "
                "Minimisation: each participant's arm is chosen to balance site, age band "
                "and sex across the arms, with a random element; no list is made."
            ),
            choices=[SelectChoice(m.value, m.label) for m in RandomisationMethod],
            # Left out of the post (an older page), the form keeps the trial's method.
            invalid_choice_message="Select the randomisation method",
        )
    Form.comments = TextAreaField(
        "Comments for the company (optional)",
        validators=[
            Optional(),
            Length(max=5000, message="Comments must be 5000 characters or fewer"),
        ],
    )
    Form.consent_versions = list(consent_versions)
    kwargs.setdefault(
        "data",
        {
            **{f"target_{ts.site.code.lower()}": ts.target for ts in trial.trial_sites},
            "recruitment_start": trial.recruitment_start,
            "recruitment_end": trial.recruitment_end,
            "randomisation_method": trial.randomisation_method.value,
        },
    )
    return Form(**kwargs)


class ReturnForm(FlaskForm):
    outcome = RadioField(
        "Decision",
        choices=[
            SelectChoice(ReviewOutcome.CHANGES_REQUESTED.value, "Send back for changes"),
            SelectChoice(ReviewOutcome.REJECTED.value, "Reject the proposal"),
        ],
        validators=[InputRequired("Select whether to send the proposal back or reject it")],
    )
    reason = TextAreaField(
        "Reason",
        description="The company sees this.",
        validators=[
            DataRequired("Give the reason, so the company knows what to change"),
            Length(max=5000, message="Reason must be 5000 characters or fewer"),
        ],
    )
