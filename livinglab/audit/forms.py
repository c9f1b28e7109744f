"""Audit trail filters (GET form, no CSRF needed: it changes nothing)."""

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField("Action starts with (optional)", validators=[Optional(), Length(max=80)])
    object_type = StringField("Object type (optional)", validators=[Optional(), Length(max=60)])
    actor_id = IntegerField(
        "Actor user number (optional)",
        validators=[Optional(), NumberRange(min=1, message="Enter a user number of 1 or more")],
    )
    trial_id = IntegerField(
        "Trial number (optional)",
        validators=[Optional(), NumberRange(min=1, message="Enter a trial number of 1 or more")],
    )
    since = DateField("From date (optional)", validators=[Optional()], format="%Y-%m-%d")
    until = DateField("To date (optional)", validators=[Optional()], format="%Y-%m-%d")
