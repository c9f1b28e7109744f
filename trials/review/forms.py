"""Review forms: approve for sites with targets, or send back / reject with a reason."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from livinglab.web.fields import WholeNumberField
from trials.proposals.models import Trial, TrialSite
from trials.review.models import ReviewOutcome

MAX_TARGET = 2000


class ApprovalForm(FlaskForm):
    #: Never rendered as an input: carries the "rate the checklist first" error, which the
    #: error summary links to the checklist section (``#checklist``) of the review page.
    checklist = HiddenField()
    comments = TextAreaField(
        "Comments for the company (optional)",
        validators=[
            Optional(),
            Length(max=5000, message="Comments must be 5000 characters or fewer"),
        ],
    )

    #: (approve field name, target field name, trial site) per requested site.
    site_fields: list[tuple[str, str, TrialSite]] = []

    def site_targets(self) -> dict[int, int]:
        """Site id -> approved target, for the sites ticked."""
        return {
            ts.site_id: self[target].data
            for approve, target, ts in self.site_fields
            if self[approve].data and self[target].data is not None
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


def approval_form(trial: Trial, **kwargs) -> ApprovalForm:
    """An approval form with a tick box and a target box per site the trial asks for."""

    class Form(ApprovalForm):
        pass

    fields = []
    for ts in trial.trial_sites:
        code = ts.site.code.lower()
        setattr(Form, f"approve_{code}", BooleanField(f"Approve at {ts.site.name}"))
        setattr(
            Form,
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
    Form.site_fields = fields
    kwargs.setdefault(
        "data", {f"target_{ts.site.code.lower()}": ts.target for ts in trial.trial_sites}
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
