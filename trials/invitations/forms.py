"""Staff's invite form and the status filter of the invitations list (shape checks only)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from trials.invitations.models import InvitationStatus
from trials.invitations.services import REASON_LENGTH
from trials.proposals.models import TrialSite

CHOOSE_SITE = "Select the site the invitation comes from"
CHOOSE_VOLUNTEERS = "Select at least one volunteer to invite"


class InviteForm(FlaskForm):
    participant_ids = SelectMultipleField(
        "Volunteers to invite",
        coerce=int,
        validate_choice=False,  # the service checks every id again in the database
        validators=[InputRequired(CHOOSE_VOLUNTEERS)],
    )
    site_id = RadioField(
        "Which site is inviting them?",
        coerce=int,
        invalid_value_message=CHOOSE_SITE,
        invalid_choice_message=CHOOSE_SITE,
    )
    override_reason = TextAreaField(
        "Reason to invite people already invited to or taking part in another trial",
        description="Only needed if you selected someone whose status says so. It goes in the "
        "audit trail.",
        validators=[
            Optional(),
            Length(max=REASON_LENGTH, message="Reason must be 2000 characters or fewer"),
        ],
    )

    def __init__(self, *args: Any, sites: Iterable[TrialSite], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = list(sites)
        self.site_id.choices = [SelectChoice(str(ts.site_id), ts.site.name) for ts in sites]
        if len(sites) == 1 and not self.is_submitted():
            self.site_id.data = sites[0].site_id


def status_filter(value: str | None) -> InvitationStatus | None:
    """The ``?status=`` filter; an unknown value shows every invitation, as the finder does."""
    try:
        return InvitationStatus(value) if value else None
    except ValueError:
        return None
