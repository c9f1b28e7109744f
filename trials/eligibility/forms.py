"""The "register interest" form: only a site to choose (the service checks the rest)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice

from trials.proposals.models import TrialSite

CHOOSE_SITE = "Select where you would like to take part"


def site_label(trial_site: TrialSite) -> str:
    site = trial_site.site
    return f"{site.name}, {site.location}" if site.location else site.name


class InterestForm(FlaskForm):
    site_id = RadioField(
        "Where would you like to take part?",
        description="Your trial visits will be at this site.",
        coerce=int,
        invalid_value_message=CHOOSE_SITE,
        invalid_choice_message=CHOOSE_SITE,
    )

    def __init__(self, *args: Any, sites: Iterable[TrialSite], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = list(sites)
        self.site_id.choices = [SelectChoice(str(ts.site_id), site_label(ts)) for ts in sites]
        if len(sites) == 1 and not self.is_submitted():
            self.site_id.data = sites[0].site_id  # only one place to go: nothing to choose
