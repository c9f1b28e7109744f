"""Accepting a colleague's invitation from the link in the email."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_user
from sqlalchemy.exc import IntegrityError

from livinglab.extensions import db
from livinglab.organisations import invitations
from livinglab.organisations.forms import AcceptInvitationForm
from livinglab.organisations.invitations import InvitationAccountExists, InvitationProblem

bp = Blueprint("organisation_invitations", __name__)


def _private(response):
    """Pages whose URL holds a token are not cached."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _link_problem(error: InvitationProblem):
    page = render_template(
        "organisations/invitation_problem.html", error=error, lifetime=invitations.lifetime()
    )
    return _private((page, 400))


@bp.route("/organisations/invitations/<token>", methods=["GET", "POST"])
def accept(token: str):
    """Join the organisation: choose a name and password; the email is the invited one."""
    if current_user.is_authenticated:
        page = render_template("organisations/signed_in.html")
        return _private((page, 409))
    form = AcceptInvitationForm()
    try:
        invitation = invitations.check_invitation(db.session, token)
        organisation = invitations.organisation_of(db.session, invitation)
        if not form.validate_on_submit():
            page = render_template(
                "organisations/accept.html",
                form=form,
                token=token,
                invitation=invitation,
                organisation=organisation,
            )
            return _private((page, 422 if form.errors else 200))
        user = invitations.accept_invitation(
            db.session, token, full_name=form.full_name.data, password=form.password.data
        )
        db.session.commit()
    except InvitationProblem as error:
        db.session.rollback()
        return _link_problem(error)
    except IntegrityError:
        # The same person accepted twice at the same moment, or signed up meanwhile.
        db.session.rollback()
        return _link_problem(InvitationAccountExists())
    login_user(user)
    flash(f"Welcome to {organisation.name} on the Dorset Living Lab.", "success")
    return redirect(url_for("organisations.index"))
