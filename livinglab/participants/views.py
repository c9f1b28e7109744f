"""Residents join the volunteer registry."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_user
from sqlalchemy.exc import IntegrityError

from livinglab.accounts.tokens import send_verification_email
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.forms import RegistrationForm
from livinglab.participants.queries import condition_choices

bp = Blueprint("participants", __name__)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Sign up to the volunteer registry, then go on to find a trial."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = RegistrationForm()
    form.conditions.choices = condition_choices(db.session)
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("participants/register.html", form=form), status
    try:
        participant = services.register_participant(
            db.session,
            full_name=form.full_name.data,
            email=form.email.data,
            password=form.password.data,
            date_of_birth=form.date_of_birth.data,
            sex=form.sex.data,
            postcode=form.postcode.data,
            registry_opt_in=form.registry_opt_in.data,
            profile=form.registry_profile(),
        )
        send_verification_email(db.session, participant.user)
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        form[error.field].errors.append(error.message)
        return render_template("participants/register.html", form=form), 422
    except IntegrityError:
        # Two sign-ups with the same email at the same moment: the email is unique.
        db.session.rollback()
        form.email.errors.append("An account with this email address already exists")
        return render_template("participants/register.html", form=form), 422
    login_user(participant.user)
    flash(
        "You have joined the Dorset Living Lab volunteer registry. We have sent you an email: "
        "select the link in it to confirm your email address.",
        "success",
    )
    return redirect(url_for("consent.finder"))
