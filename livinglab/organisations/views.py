"""Companies register their organisation; members look after its details and colleagues."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy.exc import IntegrityError

from livinglab.accounts.roles import Role
from livinglab.accounts.tokens import send_verification_email
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.organisations import invitations, queries, services
from livinglab.organisations.forms import (
    ContactForm,
    InviteForm,
    OrganisationRegistrationForm,
    RevokeForm,
)
from livinglab.organisations.models import Organisation
from livinglab.security import role_required
from livinglab.web.forms import show_error

bp = Blueprint("organisations", __name__)


def _register_page(form: OrganisationRegistrationForm, status: int):
    return render_template("organisations/register.html", form=form), status


@bp.route("/organisations/register", methods=["GET", "POST"])
def register():
    """Register a company and its first user, who then confirms their email address."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = OrganisationRegistrationForm()
    if not form.validate_on_submit():
        return _register_page(form, 422 if form.errors else 200)
    try:
        user = services.register_organisation(
            db.session,
            name=form.name.data,
            companies_house_number=form.companies_house_number.data,
            contact=form.contact(),
            first_user=form.first_user(),
        )
        send_verification_email(db.session, user)
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _register_page(form, 422)
    except IntegrityError:
        # Two registrations with the same name or email at the same moment.
        db.session.rollback()
        _explain_duplicate(form)
        return _register_page(form, 422)
    login_user(user)
    flash(
        f"{user.organisation.name} is registered. We have sent you an email: select the link "
        "in it to confirm your email address.",
        "success",
    )
    return redirect(url_for(".index"))


def _explain_duplicate(form: OrganisationRegistrationForm) -> None:
    try:
        services.check_registration(
            db.session,
            name=form.name.data,
            companies_house_number=form.companies_house_number.data,
            email=form.email.data,
        )
    except InvalidInput as error:
        show_error(form, error)
    else:
        form.name.errors.append(services.NAME_TAKEN)


def _organisation_page(
    organisation: Organisation, *, invite_form: InviteForm | None = None, status: int = 200
):
    members = db.paginate(
        queries.query_members(organisation.id),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    page = render_template(
        "organisations/index.html",
        organisation=organisation,
        members=members,
        pending=queries.pending_invitations(db.session, organisation.id),
        form=invite_form,
        invite_form=invite_form or InviteForm(formdata=None),
        revoke_form=RevokeForm(formdata=None),
        expires_at=invitations.expires_at,
        lifetime=invitations.lifetime(),
    )
    return page, status


@bp.get("/organisation/")
@role_required(Role.COMPANY)
def index():
    """The organisation's details, members and invitations still waiting."""
    organisation = queries.get_own_organisation_or_404(db.session, current_user)
    return _organisation_page(organisation)


@bp.route("/organisation/details", methods=["GET", "POST"])
@role_required(Role.COMPANY)
def details():
    """Change the organisation's address and contact details."""
    organisation = queries.get_own_organisation_or_404(db.session, current_user)
    form = ContactForm(obj=organisation if request.method == "GET" else None)
    if not form.validate_on_submit():
        page = render_template("organisations/details.html", organisation=organisation, form=form)
        return page, 422 if form.errors else 200
    services.update_contact(db.session, organisation, actor=current_user, contact=form.contact())
    db.session.commit()
    flash("Organisation details saved.", "success")
    return redirect(url_for(".index"))


@bp.post("/organisation/invitations")
@role_required(Role.COMPANY)
def invite():
    """Email a colleague a link to join the organisation."""
    organisation = queries.get_own_organisation_or_404(db.session, current_user)
    form = InviteForm()
    if not form.validate_on_submit():
        return _organisation_page(organisation, invite_form=form, status=422)
    try:
        invitation = invitations.invite_colleague(
            db.session, organisation, actor=current_user, email=form.email.data
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _organisation_page(organisation, invite_form=form, status=422)
    db.session.commit()
    flash(f"Invitation sent to {invitation.email}.", "success")
    return redirect(url_for(".index"))


@bp.post("/organisation/invitations/<int:invitation_id>/revoke")
@role_required(Role.COMPANY)
def revoke(invitation_id: int):
    """Cancel an invitation still waiting; its link stops working."""
    organisation = queries.get_own_organisation_or_404(db.session, current_user)
    invitation = queries.get_invitation_or_404(db.session, invitation_id, organisation)
    invitations.revoke_invitation(
        db.session, invitation, actor=current_user, organisation=organisation
    )
    db.session.commit()
    flash(f"Invitation to {invitation.email} cancelled.", "success")
    return redirect(url_for(".index"))
